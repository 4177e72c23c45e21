/**
 * What a runner writes to the store as it trains: metric points in batches (with the
 * run's progress as a heartbeat) and atomic checkpoints with their checksums.
 */
import { writeCheckpoint } from '../training/checkpoint.ts';
import { primeReads } from '../engine/reads.ts';
import { previousCheckpointPath } from './run-folder.ts';
import type { TrainingJob } from '../training/job.ts';
import { recordCheckpoint } from '../store/checkpoints.ts';
import { appendMetrics, type MetricPoint } from '../store/metrics.ts';
import type { Db } from '../store/open.ts';
import { recordProgress } from '../store/runs.ts';
import type { TrainingClock } from './clock.ts';
import type { RunEvent } from './events.ts';

/** Metric points are written in batches: at most this often, and at every checkpoint. */
const FLUSH_INTERVAL_MS = 1000;

export class RunRecorder {
  private readonly pending: MetricPoint[] = [];
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

  flush(): void {
    appendMetrics(this.db, this.runPk, this.pending.splice(0));
    recordProgress(this.db, this.runPk, this.job.iteration, this.clock.elapsed());
    this.lastFlush = performance.now();
  }

  /** Flushes when the last flush is older than the batching interval. */
  flushIfDue(): void {
    if (performance.now() - this.lastFlush >= FLUSH_INTERVAL_MS) this.flush();
  }

  /** Off the training clock, like evaluations: runs compared by time are not charged for their checkpoints. */
  async checkpoint(): Promise<void> {
    await this.clock.offClock(() => this.writeCheckpoint());
  }

  private async writeCheckpoint(): Promise<void> {
    // Every variable (weights, optimiser slots, batch-norm statistics) readable synchronously, on WebGPU too.
    await primeReads();
    this.flush();
    const step = this.job.iteration;
    // The checkpoint it replaces is kept (and recorded) as the fallback should this one be damaged later.
    const previousPath = previousCheckpointPath(this.checkpointPath);
    const written = writeCheckpoint(this.checkpointPath, this.job.getState(), this.clock.elapsed(), { keepPreviousAs: previousPath });
    recordCheckpoint(this.db, this.runPk, { step, path: this.checkpointPath, ...written, previousPath });
    this.lastCheckpoint = step;
    this.emit({ type: 'checkpoint', step, path: this.checkpointPath });
  }
}
