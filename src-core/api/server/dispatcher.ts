/**
 * The boundary every call crosses, from IPC or HTTP alike: the method name is
 * checked against the contract, the payload parsed by its schema, and any error
 * mapped to an ApiErrorBody. A malformed payload or unknown method does nothing.
 */
import { ApiError, type ApiErrorBody, type Envelope } from '../contract/errors.ts';
import { API, isMethodName, type ApiHandlers, type MethodName } from '../contract/methods.ts';
import { asDiskFull, UserError } from '../../domain/errors.ts';

export type Dispatch = (method: unknown, payload: unknown) => Promise<Envelope<unknown>>;

/** The one mapping of core errors onto the wire: a UserError keeps its code and fields; anything else is internal. */
export function toErrorBody(thrown: unknown): ApiErrorBody {
  if (thrown instanceof ApiError) return thrown.toBody();
  const err = asDiskFull(thrown);
  if (err instanceof UserError) {
    const fields = err.fieldErrors();
    return { code: err.code, message: err.message, ...(fields.length ? { fields } : {}) };
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
