/**
 * The segmentation-free recogniser's evaluator: reads a held-out split with the network's
 * current weights and measures it (captchas read whole, characters, calibration, the mean
 * probability of the true texts), and fits the temperature that calibrates it.
 */
import type { ImageSet } from '../data/image-set.ts';
import { characterAccuracy, expectedCalibrationError, readsWhole } from '../metrics/sequence-measures.ts';
import type { Decoding } from './ctc.ts';
import { decodeScores, fitTemperature, sequenceConfidence, sequenceScores, type SequenceNetwork } from './sequence-reading.ts';
import type { SequenceEvaluation } from './sequence-validation.ts';

export type HeldOutSplit = 'validation' | 'test';

export interface SequenceEvaluator {
  /** Accuracy and calibration on a split, confidences at `temperature` (default 1); NaN measures on an empty split. */
  evaluate(split: HeldOutSplit, temperature?: number): Promise<SequenceEvaluation>;
  /** The temperature that calibrates the current weights' confidences on the validation split (1 without one). */
  calibrate(): Promise<number>;
}

/** Images [ids.length, H, W] of some captchas of a set, in order. */
export function imagesOf(data: ImageSet, ids: readonly number[]): Float32Array {
  const per = data.height * data.width;
  const out = new Float32Array(ids.length * per);
  ids.forEach((id, i) => out.set(data.images.subarray(id * per, (id + 1) * per), i * per));
  return out;
}

const EMPTY: SequenceEvaluation = {
  characterAccuracy: Number.NaN, captchaAccuracy: Number.NaN, calibrationError: Number.NaN, rawCalibrationError: Number.NaN, textProbability: Number.NaN, captchas: 0,
};

/** An evaluator of `net` on the captchas of `data` (with texts) that `heldOut` names per split. */
export function createSequenceEvaluator(
  net: SequenceNetwork, data: ImageSet & { sequences: Int32Array[] }, heldOut: Record<HeldOutSplit, readonly number[]>, decoding: Decoding,
): SequenceEvaluator {
  const columns = net.columns;
  const classes = net.outputShape[1]!;
  const scoresOf = sequenceScores(net, data.height, data.width);

  /** A split's column scores [T × K] per captcha, decoded texts, true texts and whether each is read whole. */
  async function readSplit(split: HeldOutSplit) {
    const ids = heldOut[split];
    const scores = await scoresOf(imagesOf(data, ids), ids.length);
    const labels = scores.map((sc) => decodeScores(sc, columns, classes, decoding));
    const truths = ids.map((id) => data.sequences[id]!);
    return { scores, labels, truths, correct: labels.map((l, i) => readsWhole(l, truths[i]!)) };
  }

  return {
    async evaluate(split, temperature = 1) {
      const n = heldOut[split].length;
      if (n === 0) return { ...EMPTY };
      const r = await readSplit(split);
      const ece = (t: number) => expectedCalibrationError(r.scores.map((sc, i) => sequenceConfidence(sc, columns, classes, r.labels[i]!, t)), r.correct);
      const textProbability = r.scores.reduce((sum, sc, i) => sum + sequenceConfidence(sc, columns, classes, r.truths[i]!, 1), 0) / n;
      return {
        characterAccuracy: characterAccuracy(r.labels, r.truths), captchaAccuracy: r.correct.filter(Boolean).length / n,
        calibrationError: ece(temperature), rawCalibrationError: ece(1), textProbability, captchas: n,
      };
    },
    async calibrate() {
      if (heldOut.validation.length === 0) return 1;
      const r = await readSplit('validation');
      return fitTemperature(r.scores, r.labels, r.correct, columns, classes);
    },
  };
}
