/**
 * The boundary every call crosses, from IPC or HTTP alike: the method name is
 * checked against the contract, the payload parsed by its schema, and any error
 * mapped to an ApiErrorBody. A malformed payload or unknown method does nothing.
 */
import { ApiError, type ApiErrorBody, type Envelope } from './errors.ts';
import { API, isMethodName, type ApiHandlers, type MethodName } from './contract.ts';
import { ConfigError } from '../presets/resolve.ts';
import { CelebaLayoutError } from '../data/celeba-layout.ts';
import { MissingDataError } from '../data/load.ts';
import { LabelError } from '../data/labels.ts';
import { UnknownDatasetError } from '../store/datasets.ts';
import { UnknownRunError } from '../store/runs.ts';
import { UnknownCaptchaError } from '../store/captchas.ts';

export type Dispatch = (method: unknown, payload: unknown) => Promise<Envelope<unknown>>;

/** Core errors are user-facing sentences; each class maps to the code the UI acts on. */
export function toErrorBody(err: unknown): ApiErrorBody {
  if (err instanceof ApiError) return err.toBody();
  if (err instanceof UnknownRunError || err instanceof UnknownDatasetError || err instanceof UnknownCaptchaError) {
    return { code: 'not-found', message: err.message };
  }
  if (err instanceof ConfigError) return { code: 'invalid-config', message: err.message };
  if (err instanceof LabelError || err instanceof MissingDataError || err instanceof CelebaLayoutError) {
    return { code: 'user-error', message: err.message };
  }
  return { code: 'internal', message: err instanceof Error ? err.message : String(err) };
}

export function createDispatcher(handlers: ApiHandlers, onInternalError: (method: string, err: unknown) => void = () => {}): Dispatch {
  return async (method, payload) => {
    if (!isMethodName(method)) {
      return { ok: false, error: { code: 'unknown-method', message: `unknown API method ${JSON.stringify(String(method)).slice(0, 120)}` } };
    }
    const parsed = API[method].input.safeParse(payload ?? {});
    if (!parsed.success) {
      const fields = parsed.error.issues.map((i) => ({ key: i.path.join('.') || '(payload)', message: i.message }));
      return {
        ok: false,
        error: { code: 'invalid-payload', message: `${method}: ${fields.map((f) => `${f.key}: ${f.message}`).join('; ')}`, fields },
      };
    }
    try {
      const handler = handlers[method] as (p: unknown) => unknown;
      return { ok: true, value: (await handler(parsed.data)) ?? null };
    } catch (err) {
      const body = toErrorBody(err);
      if (body.code === 'internal') onInternalError(method as MethodName, err);
      return { ok: false, error: body };
    }
  };
}
