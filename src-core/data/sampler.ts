import { Rng, type RngState } from '../util/rng.ts';
import { imageSize, type ImageSet } from './image-set.ts';

/** Where a sampler stands: enough to draw exactly the same batches after a resume. */
export interface SamplerState {
  epoch: number;
  position: number;
  /** RNG state at the start of the current epoch (its permutation is drawn from it). */
  epochRng: RngState;
}

export interface Batch {
  /** [B, H, W, C] flattened. */
  images: Float32Array;
  /** [B] class indices, or null. */
  labels: Int32Array | null;
}

/** Mini-batches in a fresh seeded permutation each epoch, without replacement. */
export class BatchSampler {
  private rng: Rng;
  private epochRng: RngState;
  private order: Uint32Array;
  private epoch = 0;
  private position = 0;

  constructor(private readonly set: ImageSet, private readonly batchSize: number, seed: number) {
    if (set.count === 0) throw new Error('the training set is empty');
    this.rng = new Rng(seed);
    this.epochRng = this.rng.state();
    this.order = this.rng.permutation(set.count);
  }

  next(): Batch {
    const size = imageSize(this.set);
    const images = new Float32Array(this.batchSize * size);
    const labels = this.set.labels ? new Int32Array(this.batchSize) : null;
    for (let b = 0; b < this.batchSize; b++) {
      if (this.position === this.set.count) this.startEpoch();
      const i = this.order[this.position++]!;
      if (this.set.read) this.set.read(i, images, b * size);
      else images.set(this.set.images.subarray(i * size, (i + 1) * size), b * size);
      if (labels) labels[b] = this.set.labels![i]!;
    }
    return { images, labels };
  }

  private startEpoch(): void {
    this.epoch += 1;
    this.position = 0;
    this.epochRng = this.rng.state();
    this.order = this.rng.permutation(this.set.count);
  }

  getState(): SamplerState {
    return { epoch: this.epoch, position: this.position, epochRng: this.epochRng };
  }

  setState(state: SamplerState): void {
    this.rng = new Rng(state.epochRng);
    this.epochRng = state.epochRng;
    this.order = this.rng.permutation(this.set.count);
    this.epoch = state.epoch;
    this.position = state.position;
  }
}
