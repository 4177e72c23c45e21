/**
 * Trains the segmentation-free recogniser (models/captcha-sequence.ts) with CTC on
 * whole captchas: seeded train / validation / test split by captcha, augmented
 * batches, evaluation on the validation split every `evalEvery` steps with early
 * stopping (the best weights are kept beside training's own: the recogniser a run
 * records), and the test split touched only by the final report.
 */
import { tf, type Tensor, type Variable } from '../engine/tf.ts';
import type { ImageSet } from '../data/image-set.ts';
import { buildSequenceRecognizer, columnWidthOf, sequenceInputWidth, SEQUENCE_INPUT_HEIGHT } from '../models/captcha-sequence.ts';
import type { ColumnWidth, ValidationMeasure } from '../presets/vocabulary.ts';
import { disposeNetwork, trainableVariables, type Network, type StatUpdate } from '../models/network.ts';
import { applyStatUpdates } from '../models/layers.ts';
import type { RecognizerJobConfig } from '../presets/types.ts';
import { Rng, type RngState } from '../util/rng.ts';
import { augmentCaptcha } from './augment.ts';
import { loadNet, netTensors, prefixed, slotsOf } from './checkpoint.ts';
import { beamDecode, ctcBatch, ctcLoss, ctcSequence, greedyDecode, logSoftmaxRows, minimumColumns } from './ctc.ts';
import { primeReads, readsSynchronously } from '../engine/reads.ts';
import type { JobState, SavedTensor, TrainingJob } from './job.ts';
import { createOptimizer } from './optimizers.ts';

export interface Reading {
  label: number[];
  /** p(label | captcha) under the model: the CTC probability of the text it reads. */
  confidence: number;
}

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

export type SequenceRecognizerJob = TrainingJob & {
  readonly network: Network;
  /** The weights of the best validation evaluation so far (the current ones before any evaluation), keyed "R/…". */
  bestWeights(): Promise<Record<string, SavedTensor>>;
  /** Runs `f` with the best weights in the network, then puts training's own back. */
  withBestWeights<T>(f: () => Promise<T>): Promise<T>;
  /** Accuracy and calibration on a split, confidences at `temperature` (default 1). */
  evaluate(split: 'validation' | 'test', temperature?: number): Promise<SequenceEvaluation>;
  /** The temperature that calibrates the network's confidences on the validation split. */
  calibrate(): Promise<number>;
  /** Reads captchas [count, H, W] at the data's size (ink in [0, 1]). */
  read(images: Float32Array, count: number): Promise<Reading[]>;
  readonly splits: { train: number; validation: number; test: number };
};

/** Seeded split of captcha indices: test first, then validation, the rest trains. */
export function splitCaptchas(count: number, validationShare: number, testShare: number, seed: number) {
  const order = new Rng(seed).fork('split').permutation(count);
  const nTest = testShare > 0 ? Math.max(1, Math.round(count * testShare)) : 0;
  const nVal = Math.max(1, Math.round(count * validationShare));
  if (count - nTest - nVal < 1) throw new Error(`the recogniser needs more labelled captchas than ${count} to hold out ${nTest + nVal}`);
  return { test: order.subarray(0, nTest), validation: order.subarray(nTest, nTest + nVal), train: order.subarray(nTest + nVal) };
}

/** Levenshtein distance of two class sequences. */
export function editDistance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length]!;
}

/** Expected calibration error: |accuracy − mean confidence| per confidence bin, weighted by the bin's share. */
export function expectedCalibrationError(confidences: number[], correct: boolean[], bins = 10): number {
  const n = confidences.length;
  if (n === 0) return 0;
  let ece = 0;
  for (let b = 0; b < bins; b++) {
    const idx = confidences.map((c, i) => [c, i] as const).filter(([c]) => (b === 0 ? c >= 0 : c > b / bins) && c <= (b + 1) / bins).map(([, i]) => i);
    if (idx.length === 0) continue;
    const acc = idx.filter((i) => correct[i]).length / idx.length;
    const conf = idx.reduce((s, i) => s + confidences[i]!, 0) / idx.length;
    ece += (idx.length / n) * Math.abs(acc - conf);
  }
  return ece;
}

/** Model input [n, 32, inputWidth, 1] from captchas [n, H, W] (bilinear resize). */
function modelInput(images: Float32Array, n: number, H: number, W: number, inputWidth: number): Tensor {
  return tf.tidy(() => tf.image.resizeBilinear(tf.tensor4d(images, [n, H, W, 1]), [SEQUENCE_INPUT_HEIGHT, inputWidth]));
}

/** The recogniser's column scores of captchas [n, H, W] (ink in [0, 1]): one [T × K] array per captcha. */
export function sequenceScores(net: Network & { columns: number }, H: number, W: number): (images: Float32Array, n: number) => Promise<Float32Array[]> {
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

/**
 * How captchas are read: the prefix-beam width (1: greedy) and, for captchas whose texts
 * all have one length, that length (null: any). A known length takes a beam of at least
 * FIXED_LENGTH_BEAM, so readings of the right length are in it.
 */
export interface Decoding {
  beamWidth: number;
  length: number | null;
}

/** The narrowest beam a known-length reading searches (on captcha-kaggle-v2's validation split 32 read no more than 8). */
export const FIXED_LENGTH_BEAM = 8;

/**
 * The text a captcha's scores decode to (greedy, or prefix beam search when `beamWidth` > 1; with a
 * known length, the likeliest text of that length, else the likeliest of any): a temperature does not change it.
 */
export function decodeScores(scores: Float32Array, T: number, K: number, decoding: Decoding): number[] {
  const lp = logProbsAt(scores, T, K, 1);
  if (decoding.length !== null) {
    const fixed = beamDecode(lp, T, K, Math.max(decoding.beamWidth, FIXED_LENGTH_BEAM), decoding.length)[0];
    if (fixed) return fixed.label;
  }
  return decoding.beamWidth > 1 ? beamDecode(lp, T, K, decoding.beamWidth)[0]?.label ?? [] : greedyDecode(lp, T, K);
}

/** The length every text has, when the config asks to read exactly it and they agree (null otherwise). */
export function fixedLengthOf(config: Pick<RecognizerJobConfig, 'fixedLength'>, texts: ArrayLike<number>[]): number | null {
  if (!config.fixedLength || texts.length === 0) return null;
  const length = texts[0]!.length;
  return texts.every((t) => t.length === length) ? length : null;
}

/** p(label | captcha) with the scores divided by `temperature`: the CTC probability of the text. */
export const sequenceConfidence = (scores: Float32Array, T: number, K: number, label: number[], temperature: number): number =>
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
export function sequenceReader(net: Network & { columns: number }, H: number, W: number, decoding: Decoding, temperature = 1): (images: Float32Array, n: number) => Promise<Reading[]> {
  const T = net.columns;
  const K = net.outputShape[1]!;
  const scoresOf = sequenceScores(net, H, W);
  return async (images, n) => (await scoresOf(images, n)).map((sc) => {
    const label = decodeScores(sc, T, K, decoding);
    return { label, confidence: sequenceConfidence(sc, T, K, label, temperature) };
  });
}

/** A stored sequence recogniser (its checkpoint's current weights) for captchas of `width × height`; its column width read from the weights. */
export function loadSequenceRecognizer(weights: Record<string, SavedTensor>, classes: number, width: number, height: number): Network & { columns: number } {
  const columnWidth = columnWidthOf(weights);
  const net = buildSequenceRecognizer(new Rng(0), classes, sequenceInputWidth(width, height, columnWidth), columnWidth);
  loadNet('R', net, weights);
  return net;
}

/** How the early-stop and rate notes name what they watch. */
export const MEASURE_NAMES: Record<ValidationMeasure, string> = {
  'captcha-accuracy': 'validation accuracy',
  'text-probability': 'probability of the validation texts',
};

/** The best evaluation so far: its score under the run's measure and the captchas it read whole. */
export interface BestEvaluation { score: number; captchaAccuracy: number }

/** An evaluation's score: captcha accuracy with characters breaking ties, or the mean probability of the true texts. */
export function evaluationScore(measure: ValidationMeasure, e: Pick<SequenceEvaluation, 'captchaAccuracy' | 'characterAccuracy' | 'textProbability'>): number {
  return measure === 'captcha-accuracy' ? e.captchaAccuracy + 1e-3 * e.characterAccuracy : e.textProbability;
}

/**
 * What one validation evaluation means for training: better than the best so far (a higher
 * score under the run's measure), or one more stall; `improved` (keep these weights)
 * also on a tie. Stalls count only once some
 * captcha is read whole: CTC first sits on a plateau where it emits only blanks (on
 * captcha-kaggle-v2 ≈ 1,100 steps of 0% at 4-pixel columns), which is not the end of
 * learning. `patience` stalls stop; every `reduceLearningRateAfter` stalls before that halve the rate.
 */
export function judgeEvaluation(
  config: Pick<RecognizerJobConfig, 'patience' | 'reduceLearningRateAfter' | 'validationMeasure'>, best: BestEvaluation | null, stalls: number,
  e: Pick<SequenceEvaluation, 'captchaAccuracy' | 'characterAccuracy' | 'textProbability'>,
): { improved: boolean; score: number; stalls: number; stop: boolean; halveRate: boolean } {
  const score = evaluationScore(config.validationMeasure, e);
  if (best === null || score > best.score) return { improved: true, score, stalls: 0, stop: false, halveRate: false };
  const learning = e.captchaAccuracy > 0 || best.captchaAccuracy > 0;
  const next = learning ? stalls + 1 : stalls;
  const stop = learning && config.patience > 0 && next >= config.patience;
  const halveRate = learning && !stop && config.reduceLearningRateAfter > 0 && next % config.reduceLearningRateAfter === 0;
  // A tie keeps the later weights (trained longer, at a lower rate: the likelier to generalise) but is no gain: still a stall.
  return { improved: learning && score === best.score, score, stalls: next, stop, halveRate };
}

/**
 * The configured column width, or 4 when W/8 columns are too few for the longest text
 * (CTC needs a column per character and a blank between repeats): the default then still
 * trains. The weights say which was built (columnWidthOf), so a stored recogniser loads either.
 */
export function fittingColumnWidth(configured: ColumnWidth, width: number, height: number, longest: number): ColumnWidth {
  return configured === 8 && sequenceInputWidth(width, height, 8) / 8 < longest ? 4 : configured;
}

export function createSequenceRecognizerJob(config: RecognizerJobConfig, data: ImageSet): SequenceRecognizerJob {
  if (!data.sequences) throw new Error('the segmentation-free recogniser trains on whole captchas with their texts');
  const sequences = data.sequences;
  const labelled = sequences.map((s, i) => (s.length > 0 ? i : -1)).filter((i) => i >= 0);
  const { train, validation, test } = splitCaptchas(labelled.length, config.validationSplit, config.testSplit, config.seed);
  const pick = (ids: ArrayLike<number>) => Array.from(ids, (i) => labelled[i]!);
  const trainIds = pick(train);
  const splits = { validation: pick(validation), test: pick(test) };
  const H = data.height;
  const W = data.width;
  const longest = Math.max(...labelled.map((i) => minimumColumns(sequences[i]!)));
  const columnWidth = fittingColumnWidth(config.columnWidth, W, H, longest);
  const inputWidth = sequenceInputWidth(W, H, columnWidth);
  const net = buildSequenceRecognizer(new Rng(config.seed).fork('init/recognizer'), data.classes, inputWidth, columnWidth);
  if (longest > net.columns) {
    throw new Error(`captchas of ${W}×${H} give ${net.columns} columns, fewer than the ${longest} their longest text needs`);
  }
  const optimizer = createOptimizer(config.optimizer, net.params);
  /**
   * Polyak averaging: an exponential moving average of every variable (batch-norm statistics
   * too), what evaluations read and the best snapshot keeps; null when `weightAverage` is 0.
   */
  const averaged: Variable[] | null = config.weightAverage > 0 ? net.params.map((p) => {
    const start = p.variable.clone();
    const v = tf.variable(start, false);
    start.dispose();
    return v;
  }) : null;
  let rng = new Rng(config.seed).fork('batches');
  let iteration = 0;
  let best: (BestEvaluation & { step: number; tensors: Record<string, SavedTensor> }) | null = null;
  let stalls = 0;
  let stopped = false;
  /** Events for the live view: a narrower column width than configured, rate halvings and the early stop, each reported once. */
  let pendingNotes: string[] = columnWidth === config.columnWidth ? [] : [
    `${columnWidth}-pixel columns, not ${config.columnWidth}: the longest text needs ${longest} columns, more than ${sequenceInputWidth(W, H, config.columnWidth) / config.columnWidth} at ${config.columnWidth}`,
  ];

  const input = (images: Float32Array, n: number) => modelInput(images, n, H, W, inputWidth);
  // The training texts' length only: the held-out splits' labels are never read for a choice.
  const decoding: Decoding = { beamWidth: config.beamWidth, length: fixedLengthOf(config, trainIds.map((i) => sequences[i]!)) };
  const read = sequenceReader(net, H, W, decoding);

  const columns = net.columns;
  const classes = net.outputShape[1]!;
  const scoresOf = sequenceScores(net, H, W);

  /** A split's column scores, decoded texts and whether each is right. */
  async function readSplit(split: 'validation' | 'test') {
    const ids = splits[split];
    const images = new Float32Array(ids.length * H * W);
    ids.forEach((id, i) => images.set(data.images.subarray(id * H * W, (id + 1) * H * W), i * H * W));
    const scores = await scoresOf(images, ids.length);
    const labels = scores.map((sc) => decodeScores(sc, columns, classes, decoding));
    const truths = ids.map((id) => sequences[id]!);
    const correct = labels.map((l, i) => l.length === truths[i]!.length && l.every((k, j) => k === truths[i]![j]));
    return { ids, scores, labels, truths, correct };
  }

  async function evaluate(split: 'validation' | 'test', temperature = 1): Promise<SequenceEvaluation> {
    const ids = splits[split];
    if (ids.length === 0) return { characterAccuracy: Number.NaN, captchaAccuracy: Number.NaN, calibrationError: Number.NaN, rawCalibrationError: Number.NaN, textProbability: Number.NaN, captchas: 0 };
    const r = await readSplit(split);
    let errors = 0;
    let characters = 0;
    r.labels.forEach((l, i) => {
      errors += Math.min(r.truths[i]!.length, editDistance(l, r.truths[i]!));
      characters += r.truths[i]!.length;
    });
    const ece = (t: number) => expectedCalibrationError(r.scores.map((sc, i) => sequenceConfidence(sc, columns, classes, r.labels[i]!, t)), r.correct);
    const textProbability = r.scores.reduce((sum, sc, i) => sum + sequenceConfidence(sc, columns, classes, Array.from(r.truths[i]!), 1), 0) / ids.length;
    return {
      characterAccuracy: 1 - errors / characters, captchaAccuracy: r.correct.filter(Boolean).length / ids.length,
      calibrationError: ece(temperature), rawCalibrationError: ece(1), textProbability, captchas: ids.length,
    };
  }

  /** The temperature that calibrates the current weights' confidences on the validation split (1 without one). */
  async function calibrate(): Promise<number> {
    if (splits.validation.length === 0) return 1;
    const r = await readSplit('validation');
    return fitTemperature(r.scores, r.labels, r.correct, columns, classes);
  }

  function batch(): { x: Tensor; labels: Int32Array[] } {
    const B = config.batchSize;
    const images = new Float32Array(B * H * W);
    const labels: Int32Array[] = [];
    for (let b = 0; b < B; b++) {
      const id = trainIds[rng.int(trainIds.length)]!;
      const src = data.images.subarray(id * H * W, (id + 1) * H * W);
      if (config.augment) augmentCaptcha(src, H, W, rng, images.subarray(b * H * W, (b + 1) * H * W));
      else images.set(src, b * H * W);
      labels.push(sequences[id]!);
    }
    return { x: input(images, B), labels };
  }

  /** Early stopping and the rate schedule on one validation evaluation; keeps the best weights. */
  async function watch(e: SequenceEvaluation): Promise<void> {
    const verdict = judgeEvaluation(config, best, stalls, e);
    stalls = verdict.stalls;
    if (verdict.improved) best = { score: verdict.score, captchaAccuracy: e.captchaAccuracy, step: iteration, tensors: await weightsNow() };
    if (verdict.stop) {
      stopped = true;
      pendingNotes.push(`early stop: no better ${MEASURE_NAMES[config.validationMeasure]} for ${config.patience} evaluations; best at step ${best?.step}`);
    }
    if (verdict.halveRate) {
      optimizer.learningRate /= 2;
      pendingNotes.push(`learning rate halved to ${optimizer.learningRate.toPrecision(3)}: ${verdict.stalls} evaluations without a better ${MEASURE_NAMES[config.validationMeasure]}`);
    }
  }

  /**
   * Folds the weights after step `iteration` into the average, with the decay warmed up
   * (min(d, (1 + n)/(10 + n)), as TensorFlow's ExponentialMovingAverage with num_updates) so
   * the initial weights are soon forgotten.
   */
  function average(): void {
    if (!averaged) return;
    const d = Math.min(config.weightAverage, (1 + iteration) / (10 + iteration));
    tf.tidy(() => net.params.forEach((p, i) => averaged[i]!.assign(tf.add(tf.mul(averaged[i]!, d), tf.mul(p.variable, 1 - d)))));
  }

  /** Runs `f` with the averaged weights in the network (training's own without averaging), then puts training's own back. */
  async function withAveragedWeights<T>(f: () => Promise<T>): Promise<T> {
    if (!averaged) return f();
    const own = net.params.map((p) => p.variable.clone());
    net.params.forEach((p, i) => p.variable.assign(averaged[i]!));
    try {
      return await f();
    } finally {
      net.params.forEach((p, i) => p.variable.assign(own[i]!));
      tf.dispose(own);
    }
  }

  /** The averaged weights as checkpoint tensors (none without averaging). */
  function averagedTensors(): Record<string, SavedTensor> {
    if (!averaged) return {};
    return Object.fromEntries(net.params.map((p, i) => [`avg/R/${p.name}`, { shape: p.variable.shape, values: averaged[i]!.dataSync() as Float32Array }]));
  }

  /** The network's weights now, readable on every backend. */
  async function weightsNow(): Promise<Record<string, SavedTensor>> {
    await primeReads(net.params.map((p) => p.variable));
    return netTensors('R', net);
  }

  /** One update with the CTC loss under the tape (its host-side pass reads the scores synchronously). Returns the loss. */
  function ctcStep(x: Tensor, labels: Int32Array[]): number {
    const statUpdates: StatUpdate[] = [];
    const { value, grads } = tf.variableGrads(() => ctcLoss(net.apply(x, { training: true, statUpdates }) as tf.Tensor3D, labels), trainableVariables(net));
    optimizer.apply(grads);
    applyStatUpdates(statUpdates);
    const loss = value.dataSync()[0]!;
    tf.dispose([value, ...Object.values(grads)]);
    return loss;
  }

  /**
   * The same update where scores can only be read asynchronously (WebGPU): a forward pass
   * to read the scores, CTC and its gradient g on the host, then the network's gradient as
   * that of Σ scores·g (∂/∂θ of it is exactly the chain rule's Jᵀg) under a second forward
   * pass, with the same batch statistics. Costs one extra forward pass.
   */
  async function ctcStepReadingBack(x: Tensor, labels: Int32Array[]): Promise<number> {
    const scores = tf.tidy(() => net.apply(x, { training: true }));
    const shape = scores.shape as [number, number, number];
    const host = ctcBatch((await scores.data()) as Float32Array, shape, labels);
    scores.dispose();
    const g = tf.tensor3d(host.grads, shape);
    const statUpdates: StatUpdate[] = [];
    const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(net.apply(x, { training: true, statUpdates }), g)) as tf.Scalar, trainableVariables(net));
    optimizer.apply(grads);
    applyStatUpdates(statUpdates);
    tf.dispose([g, value, ...Object.values(grads)]);
    return host.loss;
  }

  return {
    config,
    network: net,
    splits: { train: trainIds.length, validation: splits.validation.length, test: splits.test.length },
    get iteration() {
      return iteration;
    },
    async runIteration() {
      const { x, labels } = batch();
      try {
        const loss = readsSynchronously() ? ctcStep(x, labels) : await ctcStepReadingBack(x, labels);
        iteration += 1;
        average();
        const losses: Record<string, number> = { ctc: loss };
        if (iteration % config.evalEvery === 0) {
          // Evaluated, and kept when best, with the averaged weights.
          const e = await withAveragedWeights(async () => {
            const v = await evaluate('validation');
            await watch(v);
            return v;
          });
          losses.val_char_accuracy = e.characterAccuracy;
          losses.val_captcha_accuracy = e.captchaAccuracy;
          losses.val_text_probability = e.textProbability;
        }
        return losses;
      } finally {
        x.dispose();
      }
    },
    finished: () => stopped,
    bestWeights: async () => (best ? best.tensors : withAveragedWeights(weightsNow)),
    async withBestWeights<T>(f: () => Promise<T>): Promise<T> {
      // The checkpoint keeps training's own weights (a resume continues exactly); the best ones are lent for reports.
      if (!best) return withAveragedWeights(f);
      const current = await weightsNow();
      loadNet('R', net, best.tensors);
      try {
        return await f();
      } finally {
        loadNet('R', net, current);
      }
    },
    async samples() {
      return null;
    },
    notes() {
      const out = pendingNotes;
      pendingNotes = [];
      return out;
    },
    evaluate,
    calibrate,
    read,
    getState(): JobState {
      const o = optimizer.getState();
      const bestTensors = best ? prefixed('best', best.tensors) : {};
      return {
        iteration,
        meta: {
          rng: rng.state(), optimizerIterations: o.iterations, learningRate: optimizer.learningRate, stalls, stopped,
          best: best ? { score: best.score, captchaAccuracy: best.captchaAccuracy, step: best.step } : null,
        },
        tensors: { ...netTensors('R', net), ...prefixed('opt', o.slots), ...bestTensors, ...averagedTensors() },
      };
    },
    setState(state) {
      const meta = state.meta as {
        rng: RngState; optimizerIterations: number; learningRate?: number; stalls: number; stopped: boolean;
        /** Checkpoints from before validation measures kept the accuracy score alone (it reads a captcha whole from 1e-3 on). */
        best: (BestEvaluation & { step: number }) | { accuracy: number; step: number } | null;
      };
      loadNet('R', net, state.tensors);
      optimizer.setState(slotsOf('opt', state.tensors, meta.optimizerIterations));
      // Checkpoints from before rate reductions: the configured rate.
      optimizer.learningRate = meta.learningRate ?? config.optimizer.learningRate;
      rng = new Rng(meta.rng);
      stalls = meta.stalls;
      stopped = meta.stopped;
      const saved = meta.best && 'accuracy' in meta.best
        ? { score: meta.best.accuracy, captchaAccuracy: meta.best.accuracy >= 1e-3 ? meta.best.accuracy : 0, step: meta.best.step }
        : meta.best;
      best = saved ? { ...saved, tensors: slotsOf('best', state.tensors, 0).slots } : null;
      if (averaged) {
        const saved = slotsOf('avg', state.tensors, 0).slots;
        net.params.forEach((p, i) => {
          const t = saved[`R/${p.name}`];
          // A checkpoint from before averaging: the average starts from the weights it resumes.
          tf.tidy(() => averaged[i]!.assign(t ? tf.tensor(t.values, t.shape) : p.variable.clone()));
        });
      }
      iteration = state.iteration;
    },
    dispose() {
      optimizer.dispose();
      if (averaged) tf.dispose(averaged);
      disposeNetwork(net);
    },
  };
}
