import type { JobConfig } from '../presets/types.ts';

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

/** A sample grid: images [count, H, W, C] in [0, 1]. */
export interface SampleImages {
  count: number;
  height: number;
  width: number;
  channels: number;
  pixels: Float32Array;
}

/** One trainable experiment, driven one iteration at a time by the runner. */
export interface TrainingJob {
  readonly config: JobConfig;
  readonly iteration: number;
  /** Runs one iteration and returns its named losses. */
  runIteration(): Promise<Record<string, number>>;
  /** Fixed-noise samples (GANs), or null. */
  samples(): Promise<SampleImages | null>;
  /** Extra per-iteration facts worth an event (e.g. the adaptive schedule switching). */
  notes(): string[];
  getState(): JobState;
  setState(state: JobState): void;
  dispose(): void;
}
