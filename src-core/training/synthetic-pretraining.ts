/**
 * Pretraining the segmentation-free recogniser on a fitted synthesiser's captchas (data/dataset-synth.ts) before the
 * real ones, and when that phase ends: after `synthPretrainSteps`, or — when `synthPretrainMaxSteps` allows more — at
 * the first evaluation from then on where the averaged weights read at least PRETRAINED_READ_SHARE of a fixed sample
 * of those captchas whole, at `synthPretrainMaxSteps` at the latest. A fixed count of steps can end pretraining on
 * CTC's all-blank plateau (on the hard scheme's 56 symbols, 2 label draws of 3 read 1–2 % at step 400), and a network
 * that has not learnt the synthesiser's captchas only memorises the few real labels after it.
 */
import type { ImageSet } from '../data/image-set.ts';
import type { RecognizerJobConfig } from '../presets/types.ts';
import type { Decoding } from './ctc.ts';
import { createSequenceEvaluator, type SequenceEvaluator } from './sequence-evaluator.ts';
import type { SequenceNetwork } from './sequence-reading.ts';

/** Share of the sample read whole that ends an extended pretraining. */
export const PRETRAINED_READ_SHARE = 0.5;
/** Synthetic captchas read to decide it: spread evenly over the set (they are also trained on: this detects the plateau, it measures no generalisation). */
const READ_SAMPLE = 200;

type Config = Pick<RecognizerJobConfig, 'synthPretrainSteps' | 'synthPretrainMaxSteps' | 'evalEvery'>;

export class SyntheticPretraining {
  /** The synthesiser's captchas as a set of their own, and the ids batches draw from. */
  readonly data: ImageSet;
  readonly ids: number[];
  /** The step after which training went on to the real captchas (null while pretraining). */
  private endedAt: number | null = null;
  private readonly evaluator: SequenceEvaluator;
  private extended = false;
  private readonly sampled: number;

  constructor(private readonly config: Config, set: ImageSet, net: SequenceNetwork, decoding: Decoding) {
    const s = set.synthetic!;
    this.data = { ...set, images: s.images, sequences: s.sequences, count: s.count };
    this.ids = Array.from({ length: s.count }, (_, i) => i);
    const step = Math.max(1, Math.floor(s.count / READ_SAMPLE));
    const sample = this.ids.filter((i) => i % step === 0).slice(0, READ_SAMPLE);
    this.sampled = sample.length;
    this.evaluator = createSequenceEvaluator(net, { ...this.data, sequences: s.sequences }, { validation: sample, test: [] }, decoding);
  }

  /** Whether pretraining may outlast synthPretrainSteps. */
  get extendable(): boolean {
    return this.config.synthPretrainMaxSteps > this.config.synthPretrainSteps;
  }

  /** Whether the step after `iteration` steps trains on the synthetic captchas. */
  trainsOn(iteration: number): boolean {
    return this.endedAt === null && iteration < Math.max(this.config.synthPretrainSteps, this.config.synthPretrainMaxSteps);
  }

  /** The first line a run logs about it. */
  describe(description: string): string {
    const { synthPretrainSteps: fixed, synthPretrainMaxSteps: max } = this.config;
    const longer = this.extendable ? ` (up to ${max} while it reads fewer than ${PRETRAINED_READ_SHARE * 100} % of them)` : '';
    return `pretraining for ${fixed} steps${longer} on ${description}`;
  }

  /**
   * After step `iteration` (training on synthetic captchas): whether pretraining ends here, and notes saying why.
   * `readAveraged` runs a read with the averaged weights in the network.
   */
  async afterStep(iteration: number, readAveraged: <T>(f: () => Promise<T>) => Promise<T>): Promise<string[]> {
    const { synthPretrainSteps: fixed, synthPretrainMaxSteps: max, evalEvery } = this.config;
    if (this.endedAt !== null || iteration < fixed) return [];
    if (!this.extendable) {
      this.endedAt = iteration;
      return [];
    }
    if (iteration !== fixed && iteration % evalEvery !== 0 && iteration < max) return [];
    const read = (await readAveraged(() => this.evaluator.evaluate('validation'))).captchaAccuracy;
    const share = `${(read * 100).toFixed(read < 0.1 ? 1 : 0)} % of ${this.sampled} of the synthesiser's captchas`;
    if (read >= PRETRAINED_READ_SHARE) {
      this.endedAt = iteration;
      return this.extended ? [`pretraining ended at step ${iteration}: the averaged weights read ${share}`] : [];
    }
    if (iteration >= max) {
      this.endedAt = iteration;
      return [`pretraining stopped at its limit, step ${iteration}, reading only ${share}: training on the real captchas anyway`];
    }
    if (this.extended) return [];
    this.extended = true;
    return [`pretraining goes on past step ${iteration}: the averaged weights read ${share} (${PRETRAINED_READ_SHARE * 100} % end it; CTC's plateau)`];
  }

  /** What a checkpoint keeps: the step pretraining ended at, and whether it was extended. */
  state(): { pretrainedUntil: number | null; pretrainingExtended: boolean } {
    return { pretrainedUntil: this.endedAt, pretrainingExtended: this.extended };
  }

  /** Checkpoints from before extended pretraining lack the fields: it ended at synthPretrainSteps then. */
  load(meta: { pretrainedUntil?: number | null; pretrainingExtended?: boolean }, iteration: number): void {
    this.endedAt = meta.pretrainedUntil !== undefined ? meta.pretrainedUntil : iteration >= this.config.synthPretrainSteps ? this.config.synthPretrainSteps : null;
    this.extended = meta.pretrainingExtended ?? false;
  }
}
