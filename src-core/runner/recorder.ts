/**
 * What a runner writes to the store as it trains: metric points in batches (with the
 * run's progress as a heartbeat) and atomic checkpoints with their checksums.
 */
import { writeCheckpoint } from '../training/checkpoint.ts';
import { primeReads, readLossBatches } from '../engine/reads.ts';
import { previousCheckpointPath } from './run-folder.ts';
import type { IterationLosses, TrainingJob } from '../training/job.ts';
import { recordCheckpoint } from '../store/checkpoints.ts';
import { appendMetrics, type MetricPoint } from '../store/metrics.ts';
import type { Db } from '../store/open.ts';
import { recordProgress } from '../store/runs.ts';
import type { TrainingClock } from './clock.ts';
import type { RunEvent } from './events.ts';

/** Metric points are written in batches: at most this often, and at every checkpoint. */
const FLUSH_INTERVAL_MS = 1000;
/** At most this many iterations' losses wait on the device between reads. */
const MAX_QUEUED_ITERATIONS = 256;

/** One iteration's losses as read back. */
export interface LossesRead {
  step: number;
  seconds: number;
  losses: Record<string, number>;
}

export class RunRecorder {
  private readonly pending: MetricPoint[] = [];
  /** Iterations whose losses are still on the device. */
  private readonly onDevice: { step: number; seconds: number; losses: IterationLosses }[] = [];
  /** The last iteration's losses read back: what progress events and the run's summary show. */
  latestLosses: Record<string, number> = {};
  private readonly listeners: ((read: LossesRead[]) => void)[] = [];
  private lastFlush = performance.now();
  /** The iteration of the checkpoint on disk (-1: none yet). */
  lastCheckpoint: number;

  constructor(
    private readonly db: Db,
    private readonly runPk: number,
    private readonly checkpointPath: string,
    private readonly job: TrainingJob,
    private readonly clock: TrainingClock,
    private readonly emit: (e: RunEvent) => void,
    resumedAt: number | null,
  ) {
    this.lastCheckpoint = resumedAt ?? -1;
  }

  /** Queues named values at a step (written at the next flush). */
  record(step: number, seconds: number, values: Record<string, number>): void {
    for (const [key, value] of Object.entries(values)) this.pending.push({ key, step, seconds, value });
  }

  /** Queues an iteration's losses; scalars still on the device are read at the next `readLosses`, all at once. */
  recordLosses(step: number, seconds: number, losses: IterationLosses): void {
    this.onDevice.push({ step, seconds, losses });
  }

  /** Called with every batch of iterations whose losses were read back (in step order). */
  onLossesRead(listener: (read: LossesRead[]) => void): void {
    this.listeners.push(listener);
  }

  /** Reads the queued losses back (one device read) into the pending points; `latestLosses` is then current. */
  async readLosses(): Promise<void> {
    const queued = this.onDevice.splice(0);
    if (queued.length === 0) return;
    const values = await readLossBatches(queued.map((q) => q.losses));
    const read = queued.map((q, i) => ({ step: q.step, seconds: q.seconds, losses: values[i]! }));
    for (const r of read) this.record(r.step, r.seconds, r.losses);
    this.latestLosses = values.at(-1)!;
    for (const listener of this.listeners) listener(read);
  }

  async flush(): Promise<void> {
    await this.readLosses();
    appendMetrics(this.db, this.runPk, this.pending.splice(0));
    recordProgress(this.db, this.runPk, this.job.iteration, this.clock.elapsed());
    this.lastFlush = performance.now();
  }

  /** Flushes when the last flush is older than the batching interval, or too many losses wait on the device. */
  flushIfDue(): Promise<void> | undefined {
    if (performance.now() - this.lastFlush >= FLUSH_INTERVAL_MS || this.onDevice.length >= MAX_QUEUED_ITERATIONS) return this.flush();
    return undefined;
  }

  /** Losses never read (a run that failed mid-batch): released. */
  dispose(): void {
    for (const q of this.onDevice.splice(0)) for (const v of Object.values(q.losses)) if (typeof v !== 'number') v.dispose();
  }

  /** Off the training clock, like evaluations: runs compared by time are not charged for their checkpoints. */
  async checkpoint(): Promise<void> {
    await this.clock.offClock(() => this.writeCheckpoint());
  }

  private async writeCheckpoint(): Promise<void> {
    // Every variable (weights, optimiser slots, batch-norm statistics) readable synchronously, on WebGPU too.
    await primeReads();
    await this.flush();
    const step = this.job.iteration;
    // The checkpoint it replaces is kept (and recorded) as the fallback should this one be damaged later.
    const previousPath = previousCheckpointPath(this.checkpointPath);
    const written = writeCheckpoint(this.checkpointPath, this.job.getState(), this.clock.elapsed(), { keepPreviousAs: previousPath });
    recordCheckpoint(this.db, this.runPk, { step, path: this.checkpointPath, ...written, previousPath });
    this.lastCheckpoint = step;
    this.emit({ type: 'checkpoint', step, path: this.checkpointPath });
  }
}
