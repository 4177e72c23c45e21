import type { BatchNormKind, ClipPolicy, ColumnWidth, GanArchitecture, GanLoss, LabelJoin, OptimizerConfig, RecognizerModel, ScheduleConfig, ValidationMeasure } from './vocabulary.ts';

/** Where training images come from. */
export type DataConfig =
  | { source: 'synth-captchas'; count: number; seed: number }
  | { source: 'captcha-folder'; path: string }
  | { source: 'face-folder'; path: string }
  /** An imported dataset in the run store (`gan-workbench dataset list`). */
  | { source: 'dataset'; id: number };

/** Fields every job shares. */
interface JobBase {
  preset: string;
  /**
   * The preset's version when the run was made (absent in runs older than versioning: 1).
   * Bumped whenever a preset's meaning changes; catalog.ts says what changed.
   */
  presetVersion: number;
  /** Thesis chapter/section the preset reproduces, for grouping in the UI. */
  section: string;
  title: string;
  seed: number;
  batchSize: number;
  /** Iterations to run (a GAN iteration is one schedule block of d + g updates). */
  steps: number;
  /** Stop after this many wall seconds even if `steps` is not reached (0 = no limit). */
  seconds: number;
  checkpointEvery: number;
  /** Progress events every N iterations. */
  progressEvery: number;
  data: DataConfig;
}

export interface GanJobConfig extends JobBase {
  kind: 'gan';
  architecture: GanArchitecture;
  /** Face image side (64 or 128); ignored by captcha nets (20×20 tiles). */
  imageSize: 64 | 128;
  loss: GanLoss;
  /** λ of the gradient penalty (wgan-gp only). */
  gpWeight: number;
  discriminatorBatchNorm: boolean;
  /** DCGAN nets' batch norm: the thesis captcha code's parameter-free `batchnormalize`, or learnable γ/β. */
  batchNormKind: BatchNormKind;
  /** Layers add biases (the thesis's captcha DCGAN code has none; its FC nets do). */
  biases: boolean;
  labelConditioned: boolean;
  /** Where the labels join the discriminator (SPEC §7). */
  labelJoin: LabelJoin;
  noise: 'uniform' | 'normal';
  discriminatorOptimizer: OptimizerConfig;
  generatorOptimizer: OptimizerConfig;
  clip: { policy: ClipPolicy; value: number };
  schedule: ScheduleConfig;
  /** Fixed-noise sample grid every N iterations (0 = never). */
  sampleEvery: number;
  sampleCount: number;
  /** Quality metrics every N iterations (0 = never): see src-core/evaluation/evaluator.ts. */
  evalEvery: number;
  /** Quality metrics every N seconds of training (0 = never); for equal-wall-time comparisons. */
  evalEverySeconds: number;
  /** Generated samples each evaluation measures (a fixed noise batch). */
  evalCount: number;
  /** Per-layer weight histograms every N iterations (0 = never). */
  histogramEvery: number;
}

export interface RecognizerJobConfig extends JobBase {
  kind: 'recognizer';
  model: RecognizerModel;
  optimizer: OptimizerConfig;
  /** Share of captchas held out for evaluation (split by captcha, not by tile): what early stopping watches. */
  validationSplit: number;
  /** Share held out for the final report only, never trained on or used for a choice (0: none; ctc). */
  testSplit: number;
  evalEvery: number;
  /** Stop once validation accuracy has not improved for this many evaluations, keeping the best weights (0: never; ctc). */
  patience: number;
  /** Halve the learning rate each time this many evaluations in a row bring no better validation accuracy (0: never; ctc). */
  reduceLearningRateAfter: number;
  /** Random shifts, scaling, noise, lines and contrast on each training batch (ctc). */
  augment: boolean;
  /** Prefix-beam width when reading captchas (1: greedy; ctc). */
  beamWidth: number;
  /** Model-input pixels per output column (ctc): 8 joins two 4-pixel columns' features, half as many columns; 4 is the first version's. */
  columnWidth: ColumnWidth;
  /** Read exactly as many characters as the training texts have, when they all have one length (ctc). */
  fixedLength: boolean;
  /** Decay of the moving average of the weights that evaluations read and the best snapshot keeps (0: none, training's own weights; ctc). */
  weightAverage: number;
  /** What a validation evaluation is judged by for early stopping, the rate schedule and the weights kept (ctc). */
  validationMeasure: ValidationMeasure;
  /**
   * Fewest validation captchas whose best evaluation chooses the weights a run records; a smaller split only drives the
   * rate schedule and early stopping, and the run records its last (averaged) weights. 0: always the best evaluation's (ctc).
   */
  selectionValidationCaptchas: number;
  /**
   * Train with only this many labelled captchas (0: all), chosen by the seed from outside a test split that is the
   * same for every seed and budget; the other labelled captchas' labels are withheld from training and every choice (ctc).
   */
  labelBudget: number;
  /** Learn from the unlabelled captchas too (and those whose labels a budget withheld): self-training with pseudo-labels (ctc). */
  selfTraining: boolean;
  /** A pseudo-label is a text the averaged weights read with at least this probability (at the validation-fitted temperature; ctc). */
  pseudoLabelConfidence: number;
  /** Share of each batch drawn from the pseudo-labelled captchas once there are any (ctc). */
  pseudoLabelShare: number;
  /** Steps trained on captchas of a synthesiser fitted to the dataset before the real ones (0: none; ctc). */
  synthPretrainSteps: number;
  /**
   * Longest pretraining: past `synthPretrainSteps` it goes on, evaluation by evaluation, while the averaged weights
   * read fewer than half of a sample of the synthesiser's captchas (CTC's all-blank plateau outlasting the fixed steps), to at
   * most this step (≤ synthPretrainSteps: exactly synthPretrainSteps; ctc).
   */
  synthPretrainMaxSteps: number;
  /** Captchas that fitted synthesiser draws for them (ctc). */
  synthCount: number;
  /**
   * Steps of a SimGAN refiner (training/refine-synthetic.ts) that makes those captchas look like the dataset's
   * before the recogniser pretrains on them (0: pretrain on them as drawn; ctc).
   */
  synthRefinerSteps: number;
  /** λ of the refiner's self-regularisation, mean |refined − synthetic|, against its adversarial loss (ctc). */
  synthRefinerWeight: number;
}

export type JobConfig = GanJobConfig | RecognizerJobConfig;
