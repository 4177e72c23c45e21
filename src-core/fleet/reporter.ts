/**
 * What a worker sends its coordinator about one run, in batches: the metric points,
 * sample grids and progress its runner wrote to the worker's own store since the
 * last batch that got through, the run's events, and each new checkpoint (uploaded
 * first, in resumable chunks). While the coordinator is away nothing is lost: the
 * points wait in the worker's store, events in a bounded buffer, and the next batch
 * catches up.
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import type { RunEvent } from '../runner/events.ts';
import { getCheckpoint } from '../store/checkpoints.ts';
import type { MetricPoint } from '../store/metrics.ts';
import type { Db } from '../store/open.ts';
import { getRun } from '../store/runs.ts';
import { listSamples } from '../store/samples.ts';
import type { CoordinatorClient } from './client.ts';

/** Bytes of a checkpoint per upload call (base64 grows it by a third: under the host's 4 MiB body). */
const CHUNK = 2 * 1024 * 1024;
/** Events kept while the coordinator is away; beyond it, progress events are dropped first (the points are not). */
const MAX_EVENTS = 1000;

export interface RunEnd {
  status: 'completed' | 'stopped' | 'failed';
  error?: string;
  final: boolean;
}

export class RunReporter {
  private sentStep = -1;
  private sentSampleStep = -1;
  private uploadedSha: string | null = null;
  private events: RunEvent[] = [];
  private flushing: Promise<void> | null = null;

  constructor(
    private readonly client: CoordinatorClient, private readonly db: Db, private readonly run: string, private readonly worker: string,
    /** Called when the coordinator answers "stop" (the user stopped the run). */
    private readonly onStop: () => void,
    /** The checkpoint the coordinator already holds (the one this run resumed from). */
    resumedFrom: { step: number; sha256: string } | null,
  ) {
    if (resumedFrom) {
      this.sentStep = resumedFrom.step;
      this.sentSampleStep = resumedFrom.step;
      this.uploadedSha = resumedFrom.sha256;
    }
  }

  event(e: RunEvent): void {
    if (e.type === 'checkpoint') return;
    this.events.push(e);
    if (this.events.length > MAX_EVENTS) {
      const i = this.events.findIndex((x) => x.type === 'progress');
      this.events.splice(i >= 0 ? i : 0, 1);
    }
  }

  /** Sends what is new, unless a batch is already on its way. */
  tick(): Promise<void> {
    this.flushing ??= this.flush().finally(() => {
      this.flushing = null;
    });
    return this.flushing;
  }

  /** Sends everything left and how the run ended; returns once the coordinator has it. */
  async finish(end: RunEnd): Promise<void> {
    await this.flushing?.catch(() => {});
    await this.flush(end);
  }

  private async flush(end?: RunEnd): Promise<void> {
    const row = getRun(this.db, this.run);
    // The checkpoint first: whatever the coordinator holds, a resume from it is exact.
    const ckpt = getCheckpoint(this.db, row.pk);
    if (ckpt && ckpt.sha256 !== this.uploadedSha) {
      await this.upload(ckpt.path, ckpt.step, ckpt.sha256, ckpt.bytes);
      this.uploadedSha = ckpt.sha256;
    }
    const metrics = this.db.prepare('SELECT key, step, seconds, value FROM metrics WHERE run = ? AND step > ? ORDER BY step, key')
      .all(row.pk, this.sentStep) as MetricPoint[];
    const samples = listSamples(this.db, row.pk).filter((s) => s.step > this.sentSampleStep).slice(0, 20);
    const events = this.events.splice(0);
    try {
      const answer = await this.client.call('fleet.report', {
        run: this.run, worker: this.worker, metrics, events: events as unknown as Record<string, unknown>[],
        progress: { step: row.stepsDone, seconds: row.wallSeconds },
        samples: samples.map((s) => ({ step: s.step, seconds: s.seconds, png: readFileSync(s.path).toString('base64') })),
        end,
      });
      if (metrics.length) this.sentStep = metrics.at(-1)!.step;
      if (samples.length) this.sentSampleStep = samples.at(-1)!.step;
      if (answer.stop) this.onStop();
    } catch (err) {
      this.events.unshift(...events);
      throw err;
    }
  }

  /** A resumable upload: the coordinator says how much it holds; each call sends the next chunk. */
  private async upload(path: string, step: number, sha256: string, bytes: number): Promise<void> {
    const fd = openSync(path, 'r');
    try {
      let offset = 0;
      for (;;) {
        const length = Math.min(CHUNK, bytes - offset);
        const buf = Buffer.alloc(length);
        readSync(fd, buf, 0, length, offset);
        const r = await this.client.call('fleet.upload', { run: this.run, worker: this.worker, step, sha256, bytes, offset, data: buf.toString('base64') });
        if (r.done) return;
        offset = r.received;
      }
    } finally {
      closeSync(fd);
    }
  }
}

/** Downloads a file from the coordinator in slices and checks it against its SHA-256. */
export async function download(
  client: CoordinatorClient, what: { what: 'checkpoint'; run: string } | { what: 'dataset'; dataset: number }, expected: { sha256: string; bytes: number },
): Promise<Buffer> {
  const parts: Buffer[] = [];
  let offset = 0;
  while (offset < expected.bytes) {
    const r = await client.call('fleet.download', { ...what, offset, length: CHUNK });
    if (r.sha256 !== expected.sha256) throw new Error(`the coordinator's ${what.what} changed while it was downloaded; the job will be retried`);
    const chunk = Buffer.from(r.data, 'base64');
    if (chunk.length === 0) break;
    parts.push(chunk);
    offset += chunk.length;
  }
  const whole = Buffer.concat(parts);
  if (createHash('sha256').update(whole).digest('hex') !== expected.sha256) throw new Error(`the downloaded ${what.what} does not match its checksum`);
  return whole;
}
