/**
 * The vocabulary of a run configuration: every setting that takes one of a fixed set
 * of values, and the shapes of the optimiser and schedule settings. Presets are data
 * written in these words; the models and the training code import them from here
 * (each implements every word: its tables are typed `Record<Word, …>`).
 */

/** The networks a GAN preset can build (src-core/models/gan-architectures.ts builds each). */
export const GAN_ARCHITECTURES = [
  'captcha-dcgan', 'captcha-dcgan-smoothing', 'captcha-fc',
  'celeba-dcgan', 'celeba-dcgan-smoothing', 'celeba-fc', 'celeba-fc-conv', 'celeba-fc-deconv',
] as const;
export type GanArchitecture = (typeof GAN_ARCHITECTURES)[number];

/**
 * Where the one-hot labels join the discriminator (SPEC §7):
 *  features:    the thesis's `dis_h1 = concat([dis_h1, label], 1)` — the flattened conv features (3200),
 *               before fc 1024, so the label passes a non-linear layer with the image;
 *  every-layer: DCGAN-tensorflow's conditional model — label planes on the input and on conv1's output,
 *               the vector before fc 1024 and before the last fc (and likewise at every layer of G);
 *  projection:  Miyato & Koyama (2018) — D(x, y) = fc(h) + ⟨embed(y), h⟩ on the 1024-d features h.
 */
export const LABEL_JOINS = ['features', 'every-layer', 'projection'] as const;
export type LabelJoin = (typeof LABEL_JOINS)[number];

/**
 * The two batch norms of the thesis's code:
 *  parameter-free: its captcha nets' `batchnormalize(x)` (SPEC §3) — the batch's own mean
 *                  and variance, in training and at sampling alike, no scale or offset;
 *  learnable:      γ/β and moving averages (the faces' `batch_norm(value, is_train)` wrapper, 5.1).
 */
export const BATCH_NORM_KINDS = ['parameter-free', 'learnable'] as const;
export type BatchNormKind = (typeof BATCH_NORM_KINDS)[number];

/**
 * Weight clipping after each update (WGAN's Lipschitz constraint).
 *  none:      no clipping (GAN, WGAN-GP)
 *  all:       every trainable critic variable, SPEC §4–5 (with a learnable batch norm, its γ and β too)
 *  weights:   every critic kernel (dense, conv), not biases or batch-norm γ/β — for the critics
 *             where `all` would clip what the thesis's own nets did not have
 *  selective: SPEC §6 — critic: fc weights only; generator: fc and deconv weights
 */
export const CLIP_POLICIES = ['none', 'all', 'weights', 'selective'] as const;
export type ClipPolicy = (typeof CLIP_POLICIES)[number];

/** The captcha recognisers (src-core/domain/datasets.ts: a dataset's recogniser records its model). */
export { RECOGNIZER_MODELS, type RecognizerModel } from '../domain/datasets.ts';

/** The sequence recogniser's model-input pixels per output column: 4 (two conv blocks, its first version) or 8 (three). */
/**
 * What the segmentation-free recogniser's validation evaluations are judged by (early stopping,
 * the rate schedule, the weights kept):
 *  captcha-accuracy: captchas read whole (characters break ties), a step of 1/n on n captchas;
 *  text-probability: the mean probability the model gives each captcha's true text — the same
 *                    accuracy made continuous, so it still moves once every captcha is read.
 */
export const VALIDATION_MEASURES = ['captcha-accuracy', 'text-probability'] as const;
export type ValidationMeasure = (typeof VALIDATION_MEASURES)[number];

export const COLUMN_WIDTHS = [4, 8] as const;
export type ColumnWidth = (typeof COLUMN_WIDTHS)[number];

export const GAN_LOSSES = ['gan', 'wgan', 'wgan-gp', 'lsgan'] as const;
export type GanLoss = (typeof GAN_LOSSES)[number];

export type OptimizerConfig =
  | { kind: 'adam'; learningRate: number; beta1: number; beta2: number; epsilon: number }
  | { kind: 'rmsprop'; learningRate: number; decay: number; epsilon: number };

/**
 * How many critic (d) and generator (g) updates one iteration makes.
 *  fixed:    d : g every iteration (SPEC §3's "D : G = 1 : 5" is { d: 1, g: 5 })
 *  phased:   `first` for the first `iterations` iterations, then `then` (SPEC §8 WDCGAN: 5:2 for 25, then 2:1)
 *  adaptive: the thesis's rule (SPEC §6.3) made precise — `early` until the critic's
 *            estimate of the Wasserstein distance has fallen steadily, then `late`, for good:
 *            after at least `window` iterations, the least-squares slope of the last
 *            `window` estimates is negative and their correlation with time is ≤ −`steadiness`.
 */
export interface UpdateRatio {
  d: number;
  g: number;
}

export type ScheduleConfig =
  | { kind: 'fixed'; ratio: UpdateRatio }
  | { kind: 'phased'; first: UpdateRatio; iterations: number; then: UpdateRatio }
  | { kind: 'adaptive'; early: UpdateRatio; late: UpdateRatio; window: number; steadiness: number };
