/**
 * The API as a host process runs it: the service over a home, its dispatcher, and
 * its event stream. The headless host and the Electron main process both start it.
 */
import { createDispatcher, type Dispatch } from './dispatcher.ts';
import type { ApiEvent } from '../contract/events.ts';
import { createService, type ServiceOptions } from './service/index.ts';

export interface Core {
  dispatch: Dispatch;
  subscribe(listener: (e: ApiEvent) => void): () => void;
  /** Stops runners (they checkpoint first) and tasks, and closes the store. */
  close(): Promise<void>;
}

export function startCore(o: ServiceOptions & { log: (line: string) => void }): Core {
  const service = createService(o);
  const dispatch = createDispatcher(service.handlers, (method, err) => o.log(`error in ${method}: ${err instanceof Error ? err.stack : String(err)}`));
  return { dispatch, subscribe: service.subscribe, close: () => service.close() };
}
