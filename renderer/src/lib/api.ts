/**
 * The renderer's typed client of the API contract. It knows nothing of the
 * transport: Electron IPC and the headless host's HTTP+WebSocket both implement
 * Transport, and every call resolves to the contract's result type or throws
 * ApiCallError with the host's code, sentence and field errors.
 */
import type { MethodInput, MethodName, MethodOutput } from '../../../src-core/api/contract/methods.ts';
import type { ApiErrorBody, ApiErrorCode, Envelope } from '../../../src-core/api/contract/errors.ts';
import type { ApiEvent } from '../../../src-core/api/contract/events.ts';
import type { FieldError } from '../../../src-core/api/contract/types.ts';

export interface Transport {
  readonly kind: 'electron' | 'browser';
  call(method: string, payload: unknown): Promise<Envelope<unknown>>;
  subscribe(listener: (e: ApiEvent) => void): () => void;
  /** Connection changes: false when the host is unreachable, true again after reconnecting. */
  onConnection(listener: (connected: boolean, reason?: string) => void): () => void;
}

export class ApiCallError extends Error {
  override name = 'ApiCallError';
  readonly code: ApiErrorCode;
  readonly fields: FieldError[];
  constructor(body: ApiErrorBody) {
    super(body.message);
    this.code = body.code;
    this.fields = body.fields ?? [];
  }
}

export class ApiClient {
  constructor(readonly transport: Transport) {}

  async call<M extends MethodName>(method: M, input: MethodInput<M>): Promise<MethodOutput<M>> {
    const envelope = await this.transport.call(method, input);
    if (!envelope.ok) throw new ApiCallError(envelope.error);
    return envelope.value as MethodOutput<M>;
  }

  subscribe(listener: (e: ApiEvent) => void): () => void {
    return this.transport.subscribe(listener);
  }
}

/** The message to show for anything a call threw. */
export const errorMessage = (err: unknown): string => (err instanceof Error ? err.message : String(err));
