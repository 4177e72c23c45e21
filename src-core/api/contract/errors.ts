import { USER_ERROR_CODES } from '../../domain/errors.ts';
import type { FieldError } from './types.ts';

/** The core's user-error codes (src-core/domain/errors.ts) and the transport's own. */
export const API_ERROR_CODES = ['unauthorized', 'unknown-method', 'invalid-payload', ...USER_ERROR_CODES, 'internal'] as const;
export type ApiErrorCode = (typeof API_ERROR_CODES)[number];

/** The one error shape that crosses the boundary: a code the UI can act on and a sentence it can show. */
export interface ApiErrorBody {
  code: ApiErrorCode;
  message: string;
  /** Per-field problems (invalid payload or configuration), for inline errors. */
  fields?: FieldError[];
}

export class ApiError extends Error {
  override name = 'ApiError';
  constructor(readonly code: ApiErrorCode, message: string, readonly fields?: FieldError[]) {
    super(message);
  }

  toBody(): ApiErrorBody {
    return { code: this.code, message: this.message, ...(this.fields ? { fields: this.fields } : {}) };
  }
}

/** What every call answers, over IPC and HTTP alike. */
export type Envelope<T> = { ok: true; value: T } | { ok: false; error: ApiErrorBody };
