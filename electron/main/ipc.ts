/**
 * The IPC side of the API, as pure functions (unit-tested without Electron): a
 * call is dispatched only when it comes from the app's own top-level frame.
 */
import type { Envelope } from '../../src-core/api/contract/errors.ts';
import { isTrustedSender } from './security.ts';

export type DispatchFn = (method: unknown, payload: unknown) => Promise<Envelope<unknown>>;

/** One IPC call: refused (and not dispatched) unless its sender is the app's own page. */
export async function handleIpcCall(senderUrl: string | undefined, isMainFrame: boolean, method: unknown, payload: unknown, dispatch: DispatchFn): Promise<Envelope<unknown>> {
  if (!isMainFrame || !isTrustedSender(senderUrl)) {
    return { ok: false, error: { code: 'unauthorized', message: `IPC call refused from ${senderUrl ?? 'an unknown frame'}` } };
  }
  return dispatch(method, payload);
}
