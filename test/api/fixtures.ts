import { createDispatcher, type Dispatch } from '../../src-core/api/server/dispatcher.ts';
import type { ApiEvent } from '../../src-core/api/contract/events.ts';
import { createService, type Service } from '../../src-core/api/server/service/index.ts';
import { tempDir } from '../helpers.ts';

/** The real service over a temporary home, with its dispatcher and a record of its events. */
export interface TestApi {
  home: string;
  service: Service;
  dispatch: Dispatch;
  events: ApiEvent[];
  /** Calls and returns the value, or throws with the error body's message. */
  call<T = unknown>(method: string, payload?: unknown): Promise<T>;
  close(): Promise<void>;
}

/** `dataRoots`: confine the paths calls may name, as `serve` does (the home is always one). */
export function openTestApi(o: { dataRoots?: string[] } = {}): TestApi {
  const home = tempDir('gwb-api-');
  const service = createService({ home, shell: 'browser', dataRoots: o.dataRoots ? [home, ...o.dataRoots] : undefined });
  const dispatch = createDispatcher(service.handlers);
  const events: ApiEvent[] = [];
  service.subscribe((e) => events.push(e));
  return {
    home, service, dispatch, events,
    async call<T>(method: string, payload: unknown = {}) {
      const r = await dispatch(method, payload);
      if (!r.ok) throw Object.assign(new Error(r.error.message), { body: r.error });
      return r.value as T;
    },
    close: () => service.close(),
  };
}

/** Resolves when an event matching `test` arrives (or rejects after `ms`). */
export function waitForEvent(api: TestApi, test: (e: ApiEvent) => boolean, ms = 120_000): Promise<ApiEvent> {
  const seen = api.events.find(test);
  if (seen) return Promise.resolve(seen);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error('timed out waiting for an event'));
    }, ms);
    const unsubscribe = api.service.subscribe((e) => {
      if (test(e)) {
        clearTimeout(timer);
        unsubscribe();
        resolve(e);
      }
    });
  });
}
