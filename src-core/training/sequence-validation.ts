/**
 * What a validation evaluation of the segmentation-free recogniser means for its
 * training: the score it is judged by, early stopping and the rate schedule (ValidationWatch).
 */
import type { ValidationMeasure } from '../presets/vocabulary.ts';
import type { RecognizerJobConfig } from '../presets/types.ts';
import { prefixed, slotsOf } from './checkpoint.ts';
import type { SavedTensor } from './job.ts';

export interface SequenceEvaluation {
  characterAccuracy: number;
  captchaAccuracy: number;
  /** Expected calibration error of the confidences (10 equal-width bins), at the temperature evaluated with. */
  calibrationError: number;
  /** The same, of the uncalibrated confidences (temperature 1). */
  rawCalibrationError: number;
  /** Mean p(true text | captcha) at temperature 1: the captcha accuracy made continuous. */
  textProbability: number;
  captchas: number;
}

/** How the early-stop and rate notes name what they watch. */
export const MEASURE_NAMES: Record<ValidationMeasure, string> = {
  'captcha-accuracy': 'validation accuracy',
  'text-probability': 'probability of the validation texts',
};

/** The best evaluation so far: its score under the run's measure and the captchas it read whole. */
export interface BestEvaluation { score: number; captchaAccuracy: number }

type Judged = Pick<SequenceEvaluation, 'captchaAccuracy' | 'characterAccuracy' | 'textProbability'>;

/** An evaluation's score: captcha accuracy with characters breaking ties, or the mean probability of the true texts. */
export function evaluationScore(measure: ValidationMeasure, e: Judged): number {
  return measure === 'captcha-accuracy' ? e.captchaAccuracy + 1e-3 * e.characterAccuracy : e.textProbability;
}

/**
 * What one validation evaluation means for training: better than the best so far (a higher
 * score under the run's measure), or one more stall; `improved` (keep these weights)
 * also on a tie. Stalls count only once some
 * captcha is read whole: CTC first sits on a plateau where it emits only blanks (on
 * captcha-kaggle-v2 ≈ 1,100 steps of 0% at 4-pixel columns), which is not the end of
 * learning. `patience` stalls stop; every `reduceLearningRateAfter` stalls before that halve the rate.
 * Nor is it a stall while self-training's pseudo-label set still grows (`growing`): the model is still
 * learning from the unlabelled captchas, which a validation split of a few labels cannot see.
 */
export function judgeEvaluation(
  config: Pick<RecognizerJobConfig, 'patience' | 'reduceLearningRateAfter' | 'validationMeasure'>, best: BestEvaluation | null, stalls: number, e: Judged,
  growing = false,
): { improved: boolean; score: number; stalls: number; stop: boolean; halveRate: boolean } {
  const score = evaluationScore(config.validationMeasure, e);
  if (best === null || score > best.score) return { improved: true, score, stalls: 0, stop: false, halveRate: false };
  if (growing) return { improved: false, score, stalls, stop: false, halveRate: false };
  const learning = e.captchaAccuracy > 0 || best.captchaAccuracy > 0;
  const next = learning ? stalls + 1 : stalls;
  const stop = learning && config.patience > 0 && next >= config.patience;
  const halveRate = learning && !stop && config.reduceLearningRateAfter > 0 && next % config.reduceLearningRateAfter === 0;
  // A tie keeps the later weights (trained longer, at a lower rate: the likelier to generalise) but is no gain: still a stall.
  return { improved: learning && score === best.score, score, stalls: next, stop, halveRate };
}

/** The best validation evaluation a run has seen: its score, the step and the weights (keyed "R/…"). */
export type KeptEvaluation = BestEvaluation & { step: number; tensors: Record<string, SavedTensor> };

/** What the watch keeps in a checkpoint's meta (its tensors go under "best/…"). */
export interface ValidationWatchState {
  stalls: number;
  stopped: boolean;
  /** Checkpoints from before validation measures kept the accuracy score alone (it reads a captcha whole from 1e-3 on). */
  best: (BestEvaluation & { step: number }) | { accuracy: number; step: number } | null;
}

/**
 * Early stopping and the rate schedule across a run's validation evaluations: counts the
 * stalls, keeps the best weights, says when to stop and when to halve the rate (as notes
 * for the live view).
 */
export class ValidationWatch {
  best: KeptEvaluation | null = null;
  stalls = 0;
  stopped = false;

  constructor(private readonly config: Pick<RecognizerJobConfig, 'patience' | 'reduceLearningRateAfter' | 'validationMeasure'>) {}

  /** Judges evaluation `e` at `step`; `weightsNow` is read only when it is the best. Returns the notes it makes. */
  async observe(
    e: SequenceEvaluation, growing: boolean, step: number, weightsNow: () => Promise<Record<string, SavedTensor>>, optimizer: { learningRate: number },
  ): Promise<string[]> {
    const measure = MEASURE_NAMES[this.config.validationMeasure];
    const verdict = judgeEvaluation(this.config, this.best, this.stalls, e, growing);
    const notes: string[] = [];
    this.stalls = verdict.stalls;
    if (verdict.improved) this.best = { score: verdict.score, captchaAccuracy: e.captchaAccuracy, step, tensors: await weightsNow() };
    if (verdict.stop) {
      this.stopped = true;
      notes.push(`early stop: no better ${measure} for ${this.config.patience} evaluations; best at step ${this.best?.step}`);
    }
    if (verdict.halveRate) {
      optimizer.learningRate /= 2;
      notes.push(`learning rate halved to ${optimizer.learningRate.toPrecision(3)}: ${verdict.stalls} evaluations without a better ${measure}`);
    }
    return notes;
  }

  state(): { meta: ValidationWatchState; tensors: Record<string, SavedTensor> } {
    const b = this.best;
    return {
      meta: { stalls: this.stalls, stopped: this.stopped, best: b ? { score: b.score, captchaAccuracy: b.captchaAccuracy, step: b.step } : null },
      tensors: b ? prefixed('best', b.tensors) : {},
    };
  }

  load(meta: ValidationWatchState, tensors: Record<string, SavedTensor>): void {
    this.stalls = meta.stalls;
    this.stopped = meta.stopped;
    const saved = meta.best && 'accuracy' in meta.best
      ? { score: meta.best.accuracy, captchaAccuracy: meta.best.accuracy >= 1e-3 ? meta.best.accuracy : 0, step: meta.best.step }
      : meta.best;
    this.best = saved ? { ...saved, tensors: slotsOf('best', tensors, 0).slots } : null;
  }
}
