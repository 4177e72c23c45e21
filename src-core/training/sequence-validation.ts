/**
 * What a validation evaluation of the segmentation-free recogniser means for its
 * training: the score it is judged by, early stopping and the rate schedule.
 */
import type { ValidationMeasure } from '../presets/vocabulary.ts';
import type { RecognizerJobConfig } from '../presets/types.ts';

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
