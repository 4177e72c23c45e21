import type { OptimizerConfig } from './vocabulary.ts';
import type { GanJobConfig, RecognizerJobConfig } from './types.ts';

/** DCGAN's Adam (Radford et al.; the thesis gives β1 = 0.5 and no rate). */
export const DCGAN_ADAM: OptimizerConfig = { kind: 'adam', learningRate: 2e-4, beta1: 0.5, beta2: 0.999, epsilon: 1e-8 };
/**
 * RMSProp "with the learning rate unchanged" (thesis 5.3): DCGAN's 2e-4, TF1
 * defaults otherwise (decay 0.9, ε 1e-10, no momentum).
 */
export const WGAN_RMSPROP: OptimizerConfig = { kind: 'rmsprop', learningRate: 2e-4, decay: 0.9, epsilon: 1e-10 };
/** WGAN-GP paper's Adam (SPEC §9). */
export const GP_ADAM: OptimizerConfig = { kind: 'adam', learningRate: 1e-4, beta1: 0, beta2: 0.9, epsilon: 1e-8 };

/** Synthesised captchas when no dataset is given: 2,048 captchas = 8,192 tiles. */
const SYNTH_DATA = { source: 'synth-captchas', count: 2048, seed: 1 } as const;

/** A preset's own fields: the rest comes from the defaults. */
type PresetFields = 'preset' | 'presetVersion' | 'section' | 'title';

/** The defaults are the thesis's captcha DCGAN (SPEC §3); other presets override what differs. */
export const GAN_DEFAULTS: Omit<GanJobConfig, PresetFields> = {
  kind: 'gan',
  architecture: 'captcha-dcgan',
  imageSize: 64,
  loss: 'gan',
  gpWeight: 10,
  discriminatorBatchNorm: true,
  // The thesis's code: bare conv2d / matmul / conv2d_transpose and `batchnormalize(x)` with no γ, β.
  batchNormKind: 'parameter-free',
  biases: false,
  labelConditioned: false,
  // The thesis's `dis_h1 = tf.concat([dis_h1, label], 1)`: before D's fc 1024.
  labelJoin: 'features',
  noise: 'uniform',
  discriminatorOptimizer: DCGAN_ADAM,
  generatorOptimizer: DCGAN_ADAM,
  clip: { policy: 'none', value: 0.05 },
  schedule: { kind: 'fixed', ratio: { d: 1, g: 1 } },
  seed: 0,
  batchSize: 64,
  steps: 1000,
  seconds: 0,
  checkpointEvery: 100,
  progressEvery: 1,
  sampleEvery: 20,
  sampleCount: 64,
  // Off by default: the first evaluation of a captcha run trains the reference recogniser
  // (≈ 20 s, cached); `--set evalEvery=50` or `reproduce` turns it on.
  evalEvery: 0,
  evalEverySeconds: 0,
  evalCount: 512,
  histogramEvery: 100,
  data: SYNTH_DATA,
};

export const RECOGNIZER_DEFAULTS: Omit<RecognizerJobConfig, PresetFields> = {
  kind: 'recognizer',
  model: 'lenet',
  testSplit: 0,
  patience: 0,
  augment: false,
  beamWidth: 1,
  columnWidth: 4,
  fixedLength: false,
  weightAverage: 0,
  validationMeasure: 'captcha-accuracy',
  selectionValidationCaptchas: 0,
  reduceLearningRateAfter: 0,
  labelBudget: 0,
  selfTraining: false,
  pseudoLabelConfidence: 0.9,
  pseudoLabelShare: 0.5,
  synthPretrainSteps: 0,
  synthPretrainMaxSteps: 0,
  synthCount: 2000,
  synthRefinerSteps: 0,
  synthRefinerWeight: 1,
  // TensorFlow's MNIST tutorial rate, the recipe the thesis follows (4.1.3).
  optimizer: { kind: 'adam', learningRate: 1e-4, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 },
  validationSplit: 0.1,
  evalEvery: 100,
  seed: 0,
  batchSize: 64,
  steps: 2000,
  seconds: 0,
  checkpointEvery: 500,
  progressEvery: 10,
  data: SYNTH_DATA,
};
