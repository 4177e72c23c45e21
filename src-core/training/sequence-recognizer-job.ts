/**
 * Trains the segmentation-free recogniser (models/captcha-sequence.ts) with CTC on
 * whole captchas: seeded train / validation / test split by captcha (sequence-data.ts),
 * augmented batches, evaluation on the validation split every `evalEvery` steps with early
 * stopping (the best weights are kept beside training's own: the recogniser a run
 * records, unless the split is too small to choose by, when it records the last
 * averaged ones), self-training on the unlabelled captchas (pseudo-labels.ts), and
 * the test split touched only by the final report.
 */
import type { Tensor } from '../engine/tf.ts';
import type { ImageSet } from '../data/image-set.ts';
import { buildSequenceRecognizer, sequenceInputWidth } from '../models/captcha-sequence.ts';
import type { ColumnWidth } from '../presets/vocabulary.ts';
import { disposeNetwork } from '../models/network.ts';
import type { RecognizerJobConfig } from '../presets/types.ts';
import { Rng, type RngState } from '../util/rng.ts';
import { loadNet, netTensors, prefixed, slotsOf, withWeights } from './checkpoint.ts';
import { fixedLengthOf, minimumColumns, type Decoding } from './ctc.ts';
import { ctcStep, ctcStepReadingBack } from './ctc-steps.ts';
import { primeReads, readsSynchronously } from '../engine/reads.ts';
import { NoteQueue, type JobState, type SavedTensor, type TrainingJob } from './job.ts';
import { createOptimizer, type Optimizer } from './optimizers.ts';
import { PseudoLabels, type PseudoLabelState } from './pseudo-labels.ts';
import { drawBatch, sequencePools } from './sequence-data.ts';
import { modelInput, sequenceReader, type Reading, type SequenceNetwork } from './sequence-reading.ts';
import { createSequenceEvaluator, imagesOf } from './sequence-evaluator.ts';
import { ValidationWatch, type SequenceEvaluation, type ValidationWatchState } from './sequence-validation.ts';
import { WeightAverage } from './weight-average.ts';
import { SyntheticPretraining } from './synthetic-pretraining.ts';

/** Growth of the pseudo-label set, as a share of the unlabelled captchas, that keeps an evaluation from counting as a stall. */
export const PSEUDO_LABEL_GROWTH = 0.01;

export type SequenceRecognizerJob = TrainingJob & {
  readonly network: SequenceNetwork;
  /**
   * The weights the run records, keyed "R/…": those of the best validation evaluation so far (the averaged ones before
   * any evaluation), or the averaged ones now when the validation split is smaller than `selectionValidationCaptchas`.
   */
  recordedWeights(): Promise<Record<string, SavedTensor>>;
  /** Runs `f` with the recorded weights in the network, then puts training's own back. */
  withRecordedWeights<T>(f: () => Promise<T>): Promise<T>;
  /** Whether the validation split chooses the recorded weights (else they are the last averaged ones). */
  readonly selectsByValidation: boolean;
  /** Runs `f` with the moving average of the weights in the network (training's own without one), then puts training's own back. */
  withAveragedWeights<T>(f: () => Promise<T>): Promise<T>;
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
  /** Whether the next step still trains on the fitted synthesiser's captchas (synthetic-pretraining.ts). */
  readonly pretraining: boolean;
};

/**
 * The configured column width, or 4 when W/8 columns are too few for the longest text
 * (CTC needs a column per character and a blank between repeats): the default then still
 * trains. The weights say which was built (columnWidthOf), so a stored recogniser loads either.
 */
export function fittingColumnWidth(configured: ColumnWidth, width: number, height: number, longest: number): ColumnWidth {
  return configured === 8 && sequenceInputWidth(width, height, 8) / 8 < longest ? 4 : configured;
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

/** Everything a sequence job is built from, before any step: data pools, the network and its optimiser, the evaluator, the watch. */
function prepare(config: RecognizerJobConfig, data: ImageSet) {
  if (!data.sequences) throw new Error('the segmentation-free recogniser trains on whole captchas with their texts');
  const texts = { ...data, sequences: data.sequences };
  const pools = sequencePools(data, config);
  const { net, notes: setupNotes } = buildFor(config, data, [...pools.train, ...pools.validation, ...pools.test].map((i) => texts.sequences[i]!));
  const notes = new NoteQueue();
  notes.push(...setupNotes);
  // The training texts' length only: the held-out splits' labels are never read for a choice.
  const decoding: Decoding = { beamWidth: config.beamWidth, length: fixedLengthOf(config, pools.train.map((i) => texts.sequences[i]!)) };
  const synthetic = data.synthetic && config.synthPretrainSteps > 0 ? new SyntheticPretraining(config, data, net, decoding) : null;
  if (synthetic) notes.push(synthetic.describe(data.synthetic!.description));
  const parts: SequenceJobParts = {
    config, net, optimizer: createOptimizer(config.optimizer, net.params), average: config.weightAverage > 0 ? new WeightAverage(net, config.weightAverage) : null,
    pseudo: new PseudoLabels(), watch: new ValidationWatch(config), synthetic,
  };
  const evaluator = createSequenceEvaluator(net, texts, { validation: pools.validation, test: pools.test }, decoding);
  return { parts, pools, notes, decoding, synthetic, evaluator };
}

/**
 * Self-training: the unlabelled captchas read again (with the weights in the network, calibrated on validation), those
 * read confidently kept as pseudo-labels. Returns whether the set grew by at least PSEUDO_LABEL_GROWTH of the unlabelled captchas.
 */
async function refreshPseudoLabels(job: ReturnType<typeof prepare>, data: ImageSet): Promise<boolean> {
  const { parts: { net, pseudo, config }, pools: { unlabelled }, decoding } = job;
  if (unlabelled.length === 0) return false;
  const before = pseudo.size;
  const readings = await sequenceReader(net, data.height, data.width, decoding, await job.evaluator.calibrate())(imagesOf(data, unlabelled), unlabelled.length);
  const r = pseudo.refresh(unlabelled, readings, config.pseudoLabelConfidence, decoding.length);
  if (before === 0 && r.accepted > 0) job.notes.push(`self-training: ${r.accepted} of ${unlabelled.length} unlabelled captchas pseudo-labelled (p ≥ ${config.pseudoLabelConfidence})`);
  return r.accepted - before >= Math.max(1, PSEUDO_LABEL_GROWTH * unlabelled.length);
}

export function createSequenceRecognizerJob(config: RecognizerJobConfig, data: ImageSet): SequenceRecognizerJob {
  const job = prepare(config, data);
  const { parts, pools, notes, synthetic, evaluator } = job;
  const { net, optimizer, average, pseudo, watch } = parts;
  const { height: H, width: W } = data;
  const withAveragedWeights = <T>(f: () => Promise<T>): Promise<T> => (average ? average.lend(f) : f());
  const selectsByValidation = pools.validation.length >= config.selectionValidationCaptchas;
  if (!selectsByValidation && pools.validation.length > 0) {
    notes.push(`${pools.validation.length} validation captchas are too few to choose the weights by (one is ${(100 / pools.validation.length).toFixed(0)} points; ` +
      `${config.selectionValidationCaptchas} choose): the run records its last ${average ? 'averaged ' : ''}weights, and validation only halves the rate and stops the run`);
  }
  let rng = new Rng(config.seed).fork('batches');
  let iteration = 0;

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
    const v = await evaluator.evaluate('validation');
    const growing = await refreshPseudoLabels(job, data);
    if (judged) notes.push(...await watch.observe(v, growing, iteration, weightsNow, optimizer));
    return v;
  });

  async function runIteration() {
    // The pretraining phase while it lasts, else null: its batches, its end.
    const pretraining = synthetic?.trainsOn(iteration) ? synthetic : null;
    const onSynthetic = pretraining !== null;
    const batchOptions = { batchSize: config.batchSize, augment: config.augment, pseudoShare: config.pseudoLabelShare };
    const b = pretraining ? drawBatch(pretraining.data, pretraining.ids, new Map(), rng, batchOptions) : drawBatch(data, pools.train, pseudo.labels, rng, batchOptions);
    const x: Tensor = modelInput(b.images, config.batchSize, H, W, net.inputShape[1]!);
    try {
      const loss = readsSynchronously() ? ctcStep(net, optimizer, x, b.labels) : await ctcStepReadingBack(net, optimizer, x, b.labels);
      iteration += 1;
      average?.fold(iteration);
      if (pretraining) notes.push(...await pretraining.afterStep(iteration, withAveragedWeights));
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
    get pretraining() {
      return synthetic?.trainsOn(iteration) ?? false;
    },
    runIteration,
    finished: () => watch.stopped,
    selectsByValidation,
    recordedWeights: async () => (selectsByValidation && watch.best ? watch.best.tensors : withAveragedWeights(weightsNow)),
    async withRecordedWeights<T>(f: () => Promise<T>): Promise<T> {
      // The checkpoint keeps training's own weights (a resume continues exactly); the recorded ones are lent for reports.
      return selectsByValidation && watch.best ? withWeights('R', net, watch.best.tensors, await weightsNow(), f) : withAveragedWeights(f);
    },
    withAveragedWeights,
    samples: async () => null,
    notes: () => notes.take(),
    evaluate: evaluator.evaluate,
    calibrate: evaluator.calibrate,
    read: sequenceReader(net, H, W, job.decoding),
    getState: () => stateOf(parts, iteration, rng),
    setState(state) {
      rng = restore(parts, state);
      iteration = state.iteration;
    },
    dispose() {
      optimizer.dispose();
      average?.dispose();
      disposeNetwork(net);
    },
  };
}

/** A checkpoint's meta: the batch stream, the optimiser's step count and rate, the watch and the pseudo-labels. */
interface SequenceJobMeta extends ValidationWatchState {
  rng: RngState;
  optimizerIterations: number;
  /** Checkpoints from before rate reductions lack it. */
  learningRate?: number;
  /** Checkpoints from before self-training lack it. */
  pseudo?: PseudoLabelState;
  /** Checkpoints from before extended pretraining lack them (synthetic-pretraining.ts). */
  pretrainedUntil?: number | null;
  pretrainingExtended?: boolean;
}

/** What a sequence job's checkpoint holds, beside its iteration and batch stream. */
interface SequenceJobParts {
  config: RecognizerJobConfig;
  net: SequenceNetwork;
  optimizer: Optimizer;
  average: WeightAverage | null;
  pseudo: PseudoLabels;
  watch: ValidationWatch;
  synthetic: SyntheticPretraining | null;
}

function stateOf(p: SequenceJobParts, iteration: number, rng: Rng): JobState {
  const o = p.optimizer.getState();
  const w = p.watch.state();
  const meta: SequenceJobMeta = { rng: rng.state(), optimizerIterations: o.iterations, learningRate: p.optimizer.learningRate, ...w.meta, pseudo: p.pseudo.state(), ...p.synthetic?.state() };
  return {
    iteration,
    meta: { ...meta },
    tensors: { ...netTensors('R', p.net), ...prefixed('opt', o.slots), ...w.tensors, ...(p.average?.tensors() ?? {}) },
  };
}

/** Loads a checkpoint's state into the parts; returns the batch stream to continue. */
function restore(p: SequenceJobParts, state: JobState): Rng {
  const meta = state.meta as unknown as SequenceJobMeta;
  loadNet('R', p.net, state.tensors);
  p.optimizer.setState(slotsOf('opt', state.tensors, meta.optimizerIterations));
  p.optimizer.learningRate = meta.learningRate ?? p.config.optimizer.learningRate;
  p.watch.load(meta, state.tensors);
  p.average?.load(slotsOf('avg', state.tensors, 0).slots);
  p.pseudo.load(meta.pseudo);
  p.synthetic?.load(meta, state.iteration);
  return new Rng(meta.rng);
}
