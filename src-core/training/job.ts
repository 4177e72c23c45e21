import type { JobConfig } from '../presets/types.ts';
import type { SampleImages } from '../data/sample-grid.ts';
import type { Scalar } from '../engine/tf.ts';

/** A named tensor as a checkpoint stores it. */
export interface SavedTensor {
  shape: number[];
  values: Float32Array;
}

/** Everything a job needs to continue exactly where it stopped. */
export interface JobState {
  /** Iterations completed. */
  iteration: number;
  /** JSON-safe scalars: RNG states, the data cursor, schedule state, optimiser step counts. */
  meta: Record<string, unknown>;
  /** Weights, batch-norm statistics and optimiser slots, keyed "<net>/<param>" or "<opt>/<slot>". */
  tensors: Record<string, SavedTensor>;
}

/** Generated samples to measure: images [n, H, W, C] in [0, 1] and, for conditioned nets, the classes asked for. */
export interface GeneratedBatch {
  pixels: Float32Array;
  count: number;
  size: number;
  channels: number;
  requested: Int32Array | null;
}

/**
 * An iteration's named losses: numbers, or scalars still on the device, which the
 * runner reads back in batches (`readLossBatches`) so that a GPU iteration does not
 * wait for the CPU.
 */
export type IterationLosses = Record<string, number | Scalar>;

/** One trainable experiment, driven one iteration at a time by the runner. */
export interface TrainingJob {
  readonly config: JobConfig;
  readonly iteration: number;
  /** Runs one iteration and returns its named losses (the caller owns any scalars). */
  runIteration(): Promise<IterationLosses>;
  /** Fixed-noise samples (GANs), or null. */
  samples(): Promise<SampleImages | null>;
  /** Extra per-iteration facts worth an event (e.g. the adaptive schedule switching). */
  notes(): string[];
  /** True when the job has nothing more to learn (early stopping): the run completes before its steps. */
  finished?(): boolean;
  getState(): JobState;
  setState(state: JobState): void;
  dispose(): void;
}

/** A job's notes for the live view (a rate halved, a schedule switched), each handed out once by `notes()`. */
export class NoteQueue {
  private pending: string[] = [];

  push(...notes: string[]): void {
    this.pending.push(...notes);
  }

  take(): string[] {
    const out = this.pending;
    this.pending = [];
    return out;
  }
}
