/**
 * A fleet worker's line to its coordinator: the host's API over HTTP with its token.
 * A coordinator that cannot be reached (restarting, a dropped tunnel) is waited for,
 * with back-off, for as long as the worker runs; a refused token ends the worker; a
 * conflict (the run went to another worker) is the caller's to handle.
 */
import { HTTP_API_PREFIX } from '../api/contract/channels.ts';
import type { MethodInput, MethodName, MethodOutput } from '../api/contract/methods.ts';
import { ConflictError, UserError } from '../domain/errors.ts';

/** The coordinator refused the worker's token: nothing will work until it is fixed. */
export class TokenRefusedError extends UserError {
  override name = 'TokenRefusedError';
  constructor(host: string) {
    super('user-error', `the coordinator at ${host} refused the token (401): start the worker with the token \`serve\` printed (--token)`);
  }
}

export class CoordinatorClient {
  private closed = false;
  constructor(readonly host: string, private readonly token: string, private readonly log: (line: string) => void = () => {}) {}

  close(): void {
    this.closed = true;
  }

  /** One call; network failures and 5xx answers are retried until the coordinator answers (or the client is closed). */
  async call<M extends MethodName>(method: M, payload: MethodInput<M>): Promise<MethodOutput<M>> {
    let wait = 200;
    let announced = false;
    for (;;) {
      const { status, body } = await this.post(method, payload);
      if (status === 401) throw new TokenRefusedError(this.host);
      if (body?.ok) {
        if (announced) this.log(`coordinator ${this.host} is back`);
        return body.value as MethodOutput<M>;
      }
      if (body && status < 500) {
        const message = body.error?.message ?? `HTTP ${status}`;
        throw body.error?.code === 'conflict' ? new ConflictError(message) : new UserError('user-error', `${method}: ${message}`);
      }
      if (this.closed) throw new Error(`${method}: the worker is shutting down`);
      if (!announced) {
        this.log(`coordinator ${this.host} unreachable (${status ? `HTTP ${status}` : 'no answer'}); waiting for it`);
        announced = true;
      }
      await new Promise((resolve) => setTimeout(resolve, wait));
      wait = Math.min(wait * 2, 2000);
    }
  }

  /** One attempt: the HTTP status (0 when nothing answered) and the envelope. */
  private async post(method: string, payload: unknown): Promise<{ status: number; body: Envelope | null }> {
    try {
      const r = await fetch(`${this.host}${HTTP_API_PREFIX}${method}`, {
        method: 'POST', body: JSON.stringify(payload), headers: { Authorization: `Bearer ${this.token}`, 'Content-Type': 'application/json' },
        signal: AbortSignal.timeout(60_000),
      });
      return { status: r.status, body: await r.json() as Envelope };
    } catch {
      return { status: 0, body: null };
    }
  }
}

interface Envelope {
  ok: boolean;
  value?: unknown;
  error?: { code: string; message: string };
}
