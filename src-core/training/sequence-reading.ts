/**
 * Reading captchas with the segmentation-free recogniser: column scores [T × K] per
 * captcha, the decoded text and its CTC probability, and the temperature that
 * calibrates those probabilities.
 */
import { tf, type Tensor } from '../engine/tf.ts';
import { buildSequenceRecognizer, columnWidthOf, sequenceInputWidth, SEQUENCE_INPUT_HEIGHT } from '../models/captcha-sequence.ts';
import type { Network } from '../models/network.ts';
import { Rng } from '../util/rng.ts';
import { loadNet } from './checkpoint.ts';
import { ctcSequence, decodeLogProbs, logSoftmaxRows, type Decoding } from './ctc.ts';
import type { SavedTensor } from './job.ts';

export interface Reading {
  label: number[];
  /** p(label | captcha) under the model: the CTC probability of the text it reads. */
  confidence: number;
}

export type SequenceNetwork = Network & { columns: number };

/** Model input [n, 32, inputWidth, 1] from captchas [n, H, W] (bilinear resize). */
export function modelInput(images: Float32Array, n: number, H: number, W: number, inputWidth: number): Tensor {
  return tf.tidy(() => tf.image.resizeBilinear(tf.tensor4d(images, [n, H, W, 1]), [SEQUENCE_INPUT_HEIGHT, inputWidth]));
}

/** The recogniser's column scores of captchas [n, H, W] (ink in [0, 1]): one [T × K] array per captcha. */
export function sequenceScores(net: SequenceNetwork, H: number, W: number): (images: Float32Array, n: number) => Promise<Float32Array[]> {
  const inputWidth = net.inputShape[1]!;
  const T = net.columns;
  const K = net.outputShape[1]!;
  return async (images, n) => {
    const out: Float32Array[] = [];
    for (let start = 0; start < n; start += 128) {
      const m = Math.min(128, n - start);
      const scores = tf.tidy(() => net.apply(modelInput(images.subarray(start * H * W, (start + m) * H * W), m, H, W, inputWidth), { training: false }));
      const values = (await scores.data()) as Float32Array;
      scores.dispose();
      for (let i = 0; i < m; i++) out.push(values.slice(i * T * K, (i + 1) * T * K));
    }
    return out;
  };
}

/** Column scores divided by a temperature, as log-probabilities per column. */
const logProbsAt = (scores: Float32Array, T: number, K: number, temperature: number) =>
  logSoftmaxRows(temperature === 1 ? scores : scores.map((v) => v / temperature), T, K);

/** The text a captcha's scores decode to (ctc.ts's decodeLogProbs): a temperature does not change it. */
export const decodeScores = (scores: Float32Array, T: number, K: number, decoding: Decoding): number[] =>
  decodeLogProbs(logProbsAt(scores, T, K, 1), T, K, decoding);

/** p(label | captcha) with the scores divided by `temperature`: the CTC probability of the text. */
export const sequenceConfidence = (scores: Float32Array, T: number, K: number, label: ArrayLike<number>, temperature: number): number =>
  Math.exp(-ctcSequence(logProbsAt(scores, T, K, temperature), T, K, label, false).nll);

/** Right and wrong readings each needed on the validation split before a temperature is fitted. */
export const MIN_CALIBRATION_CASES = 5;

/**
 * Temperature scaling (Guo et al. 2017) for sequence confidences: the temperature
 * (on a geometric grid, 0.25–8) whose confidences best predict whether each reading
 * is right — least binary cross-entropy — on held-out captchas. Above 1 the raw
 * confidences were too sure of themselves. Fewer than MIN_CALIBRATION_CASES right or
 * wrong readings: 1 (nothing to learn a temperature from).
 */
export function fitTemperature(scores: Float32Array[], labels: number[][], correct: boolean[], T: number, K: number): number {
  // With almost every reading right (or wrong) the fit only sharpens (or flattens) without limit: on
  // captcha-kaggle-v2, 1 error in 107 validation captchas gave T = 0.77 and doubled the test split's ECE.
  const wrong = correct.filter((c) => !c).length;
  if (wrong < MIN_CALIBRATION_CASES || correct.length - wrong < MIN_CALIBRATION_CASES) return 1;
  let best = { temperature: 1, loss: Infinity };
  for (let i = 0; i <= 40; i++) {
    const temperature = 0.25 * 2 ** (i / 8);
    let loss = 0;
    scores.forEach((sc, j) => {
      const p = Math.min(1 - 1e-6, Math.max(1e-6, sequenceConfidence(sc, T, K, labels[j]!, temperature)));
      loss -= correct[j] ? Math.log(p) : Math.log(1 - p);
    });
    if (loss < best.loss) best = { temperature, loss };
  }
  return best.temperature;
}

/**
 * Reads captchas [n, H, W] (ink in [0, 1]) with a sequence recogniser: the decoded text
 * (see decodeScores) and its CTC probability at `temperature`.
 */
export function sequenceReader(net: SequenceNetwork, H: number, W: number, decoding: Decoding, temperature = 1): (images: Float32Array, n: number) => Promise<Reading[]> {
  const T = net.columns;
  const K = net.outputShape[1]!;
  const scoresOf = sequenceScores(net, H, W);
  return async (images, n) => (await scoresOf(images, n)).map((sc) => {
    const label = decodeScores(sc, T, K, decoding);
    return { label, confidence: sequenceConfidence(sc, T, K, label, temperature) };
  });
}

/** A stored sequence recogniser (its checkpoint's current weights) for captchas of `width × height`; its column width read from the weights. */
export function loadSequenceRecognizer(weights: Record<string, SavedTensor>, classes: number, width: number, height: number): SequenceNetwork {
  const columnWidth = columnWidthOf(weights);
  const net = buildSequenceRecognizer(new Rng(0), classes, sequenceInputWidth(width, height, columnWidth), columnWidth);
  loadNet('R', net, weights);
  return net;
}
