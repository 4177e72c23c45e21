/**
 * Trains the segmentation-free recogniser (models/captcha-sequence.ts) with CTC on
 * whole captchas: seeded train / validation / test split by captcha (sequence-data.ts),
 * augmented batches, evaluation on the validation split every `evalEvery` steps with early
 * stopping (the best weights are kept beside training's own: the recogniser a run
 * records), self-training on the unlabelled captchas (pseudo-labels.ts), and the test
 * split touched only by the final report.
 */
import type { Tensor } from '../engine/tf.ts';
import type { ImageSet } from '../data/image-set.ts';
import { buildSequenceRecognizer, sequenceInputWidth } from '../models/captcha-sequence.ts';
import type { ColumnWidth } from '../presets/vocabulary.ts';
import { disposeNetwork } from '../models/network.ts';
import type { RecognizerJobConfig } from '../presets/types.ts';
import { Rng, type RngState } from '../util/rng.ts';
import { loadNet, netTensors, prefixed, slotsOf } from './checkpoint.ts';
import { fixedLengthOf, minimumColumns, type Decoding } from './ctc.ts';
import { ctcStep, ctcStepReadingBack } from './ctc-steps.ts';
import { primeReads, readsSynchronously } from '../engine/reads.ts';
import type { JobState, SavedTensor, TrainingJob } from './job.ts';
import { createOptimizer } from './optimizers.ts';
import { PseudoLabels, type PseudoLabelState } from './pseudo-labels.ts';
import { drawBatch, sequencePools } from './sequence-data.ts';
import { decodeScores, fitTemperature, modelInput, sequenceConfidence, sequenceReader, sequenceScores, type Reading, type SequenceNetwork } from './sequence-reading.ts';
import { judgeEvaluation, MEASURE_NAMES, type BestEvaluation, type SequenceEvaluation } from './sequence-validation.ts';
import { WeightAverage } from './weight-average.ts';
import { characterAccuracy, expectedCalibrationError, readsWhole } from '../metrics/sequence-measures.ts';

/** Growth of the pseudo-label set, as a share of the unlabelled captchas, that keeps an evaluation from counting as a stall. */
export const PSEUDO_LABEL_GROWTH = 0.01;

export type SequenceRecognizerJob = TrainingJob & {
  readonly network: SequenceNetwork;
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
  /** Captchas of each role: labelled ones trained on, validation, test; unlabelled ones self-training reads; labels a budget withheld. */
  readonly splits: { train: number; validation: number; test: number; unlabelled: number; withheld: number };
  /** Unlabelled captchas pseudo-labelled now. */
  readonly pseudoLabelled: number;
};

/**
 * The configured column width, or 4 when W/8 columns are too few for the longest text
 * (CTC needs a column per character and a blank between repeats): the default then still
 * trains. The weights say which was built (columnWidthOf), so a stored recogniser loads either.
 */
export function fittingColumnWidth(configured: ColumnWidth, width: number, height: number, longest: number): ColumnWidth {
  return configured === 8 && sequenceInputWidth(width, height, 8) / 8 < longest ? 4 : configured;
}

/** Images [ids.length, H, W] of some captchas of a set, in order. */
function imagesOf(data: ImageSet, ids: number[]): Float32Array {
  const per = data.height * data.width;
  const out = new Float32Array(ids.length * per);
  ids.forEach((id, i) => out.set(data.images.subarray(id * per, (id + 1) * per), i * per));
  return out;
}

/** The network a config builds for a set, its column width and a note when narrower than configured. */
function buildFor(config: RecognizerJobConfig, data: ImageSet, labelled: Int32Array[]) {
  const { width: W, height: H } = data;
  const longest = Math.max(...labelled.map((s) => minimumColumns(s)));
  const columnWidth = fittingColumnWidth(config.columnWidth, W, H, longest);
  const net = buildSequenceRecognizer(new Rng(config.seed).fork('init/recognizer'), data.classes, sequenceInputWidth(W, H, columnWidth), columnWidth);
  if (longest > net.columns) throw new Error(`captchas of ${W}×${H} give ${net.columns} columns, fewer than the ${longest} their longest text needs`);
  const notes = columnWidth === config.columnWidth ? [] : [
    `${columnWidth}-pixel columns, not ${config.columnWidth}: the longest text needs ${longest} columns, more than ${sequenceInputWidth(W, H, config.columnWidth) / config.columnWidth} at ${config.columnWidth}`,
  ];
  return { net, notes };
}

export function createSequenceRecognizerJob(config: RecognizerJobConfig, data: ImageSet): SequenceRecognizerJob {
  if (!data.sequences) throw new Error('the segmentation-free recogniser trains on whole captchas with their texts');
  const sequences = data.sequences;
  const pools = sequencePools(data, config);
  const { height: H, width: W } = data;
  const { net, notes: setupNotes } = buildFor(config, data, [...pools.train, ...pools.validation, ...pools.test].map((i) => sequences[i]!));
  const optimizer = createOptimizer(config.optimizer, net.params);
  const average = config.weightAverage > 0 ? new WeightAverage(net, config.weightAverage) : null;
  const withAveragedWeights = <T>(f: () => Promise<T>): Promise<T> => (average ? average.lend(f) : f());
  const pseudo = new PseudoLabels();
  let rng = new Rng(config.seed).fork('batches');
  let iteration = 0;
  let best: (BestEvaluation & { step: number; tensors: Record<string, SavedTensor> }) | null = null;
  let stalls = 0;
  let stopped = false;
  /** Events for the live view: a narrower column width than configured, rate halvings, the first pseudo-labels and the early stop, each reported once. */
  let pendingNotes: string[] = setupNotes;

  // The training texts' length only: the held-out splits' labels are never read for a choice.
  const decoding: Decoding = { beamWidth: config.beamWidth, length: fixedLengthOf(config, pools.train.map((i) => sequences[i]!)) };
  const read = sequenceReader(net, H, W, decoding);
  const columns = net.columns;
  const classes = net.outputShape[1]!;
  const scoresOf = sequenceScores(net, H, W);
  const heldOut = { validation: pools.validation, test: pools.test };
  /** The fitted synthesiser's captchas as a set of their own, and the steps they are trained on first. */
  const synthetic: ImageSet | null = data.synthetic && config.synthPretrainSteps > 0
    ? { ...data, images: data.synthetic.images, sequences: data.synthetic.sequences, count: data.synthetic.count } : null;
  const syntheticIds = synthetic ? Array.from({ length: synthetic.count }, (_, i) => i) : [];
  const pretraining = () => synthetic !== null && iteration < config.synthPretrainSteps;
  if (synthetic) pendingNotes.push(`pretraining for ${config.synthPretrainSteps} steps on ${data.synthetic!.description}`);

  /** A split's column scores, decoded texts and whether each is right. */
  async function readSplit(split: 'validation' | 'test') {
    const ids = heldOut[split];
    const scores = await scoresOf(imagesOf(data, ids), ids.length);
    const labels = scores.map((sc) => decodeScores(sc, columns, classes, decoding));
    const truths = ids.map((id) => sequences[id]!);
    return { scores, labels, truths, correct: labels.map((l, i) => readsWhole(l, truths[i]!)) };
  }

  async function evaluate(split: 'validation' | 'test', temperature = 1): Promise<SequenceEvaluation> {
    const n = heldOut[split].length;
    if (n === 0) return { characterAccuracy: Number.NaN, captchaAccuracy: Number.NaN, calibrationError: Number.NaN, rawCalibrationError: Number.NaN, textProbability: Number.NaN, captchas: 0 };
    const r = await readSplit(split);
    const ece = (t: number) => expectedCalibrationError(r.scores.map((sc, i) => sequenceConfidence(sc, columns, classes, r.labels[i]!, t)), r.correct);
    const textProbability = r.scores.reduce((sum, sc, i) => sum + sequenceConfidence(sc, columns, classes, r.truths[i]!, 1), 0) / n;
    return {
      characterAccuracy: characterAccuracy(r.labels, r.truths), captchaAccuracy: r.correct.filter(Boolean).length / n,
      calibrationError: ece(temperature), rawCalibrationError: ece(1), textProbability, captchas: n,
    };
  }

  /** The temperature that calibrates the current weights' confidences on the validation split (1 without one). */
  async function calibrate(): Promise<number> {
    if (heldOut.validation.length === 0) return 1;
    const r = await readSplit('validation');
    return fitTemperature(r.scores, r.labels, r.correct, columns, classes);
  }

  /** Early stopping and the rate schedule on one validation evaluation; keeps the best weights. */
  async function watch(e: SequenceEvaluation, growing: boolean): Promise<void> {
    const verdict = judgeEvaluation(config, best, stalls, e, growing);
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
   * Self-training: the unlabelled captchas read again (with the weights evaluated), those read confidently kept as
   * pseudo-labels. Returns whether the set grew by at least PSEUDO_LABEL_GROWTH of the unlabelled captchas.
   */
  async function refreshPseudoLabels(): Promise<boolean> {
    if (pools.unlabelled.length === 0) return false;
    const before = pseudo.size;
    const readings = await sequenceReader(net, H, W, decoding, await calibrate())(imagesOf(data, pools.unlabelled), pools.unlabelled.length);
    const r = pseudo.refresh(pools.unlabelled, readings, config.pseudoLabelConfidence, decoding.length);
    if (before === 0 && r.accepted > 0) pendingNotes.push(`self-training: ${r.accepted} of ${pools.unlabelled.length} unlabelled captchas pseudo-labelled (p ≥ ${config.pseudoLabelConfidence})`);
    return r.accepted - before >= Math.max(1, PSEUDO_LABEL_GROWTH * pools.unlabelled.length);
  }

  /** The network's weights now, readable on every backend. */
  async function weightsNow(): Promise<Record<string, SavedTensor>> {
    await primeReads(net.params.map((p) => p.variable));
    return netTensors('R', net);
  }

  /**
   * An evaluation on validation, the pseudo-labels renewed, and the evaluation judged (kept when best; pretraining
   * on synthetic captchas is not judged), all with the averaged weights.
   */
  const evaluation = (judged: boolean) => withAveragedWeights(async () => {
    const v = await evaluate('validation');
    const growing = await refreshPseudoLabels();
    if (judged) await watch(v, growing);
    return v;
  });

  async function runIteration() {
    const onSynthetic = pretraining();
    const batchOptions = { batchSize: config.batchSize, augment: config.augment, pseudoShare: config.pseudoLabelShare };
    const b = onSynthetic ? drawBatch(synthetic!, syntheticIds, new Map(), rng, batchOptions) : drawBatch(data, pools.train, pseudo.labels, rng, batchOptions);
    const x: Tensor = modelInput(b.images, config.batchSize, H, W, net.inputShape[1]!);
    try {
      const loss = readsSynchronously() ? ctcStep(net, optimizer, x, b.labels) : await ctcStepReadingBack(net, optimizer, x, b.labels);
      iteration += 1;
      average?.fold(iteration);
      const losses: Record<string, number> = onSynthetic ? { ctc_synthetic: loss } : { ctc: loss };
      if (iteration % config.evalEvery === 0) {
        const e = await evaluation(!onSynthetic);
        losses.val_char_accuracy = e.characterAccuracy;
        losses.val_captcha_accuracy = e.captchaAccuracy;
        losses.val_text_probability = e.textProbability;
        if (pools.unlabelled.length > 0) losses.pseudo_labelled = pseudo.size / pools.unlabelled.length;
      }
      return losses;
    } finally {
      x.dispose();
    }
  }

  return {
    config,
    network: net,
    splits: { train: pools.train.length, validation: pools.validation.length, test: pools.test.length, unlabelled: pools.unlabelled.length, withheld: pools.withheld },
    get iteration() {
      return iteration;
    },
    get pseudoLabelled() {
      return pseudo.size;
    },
    runIteration,
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
          best: best ? { score: best.score, captchaAccuracy: best.captchaAccuracy, step: best.step } : null, pseudo: pseudo.state(),
        },
        tensors: { ...netTensors('R', net), ...prefixed('opt', o.slots), ...bestTensors, ...(average?.tensors() ?? {}) },
      };
    },
    setState(state) {
      const meta = state.meta as {
        rng: RngState; optimizerIterations: number; learningRate?: number; stalls: number; stopped: boolean; pseudo?: PseudoLabelState;
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
      average?.load(slotsOf('avg', state.tensors, 0).slots);
      // Checkpoints from before self-training: none yet.
      pseudo.load(meta.pseudo);
      iteration = state.iteration;
    },
    dispose() {
      optimizer.dispose();
      average?.dispose();
      disposeNetwork(net);
    },
  };
}
