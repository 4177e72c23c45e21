import { BATCH_NORM_KINDS, type BatchNormKind } from '../presets/vocabulary.ts';
import { tf, type Tensor, type Tensor2D, type Tensor4D } from '../engine/tf.ts';
import { batchNormTraining } from '../engine/batch-norm.ts';
import type { Rng } from '../util/rng.ts';
import type { ApplyContext, Layer, Network, Param, ParamKind, StatUpdate } from './network.ts';

/** DCGAN's initialiser: weights ~ N(0, 0.02²) truncated at 2σ, biases 0. */
export const DCGAN_INIT_STD = 0.02;

/**
 * Creates a network's parameters from one seeded stream, in declaration order,
 * so the same seed always gives the same weights on every backend.
 */
export class ParamBuilder {
  readonly params: Param[] = [];
  constructor(private readonly rng: Rng, private readonly initStd = DCGAN_INIT_STD) {}

  add(name: string, kind: ParamKind, shape: number[], init: 'normal' | 'zeros' | 'ones' | number): Param {
    if (this.params.some((p) => p.name === name)) throw new Error(`duplicate parameter name ${name}`);
    const size = shape.reduce((a, b) => a * b, 1);
    const values = new Float32Array(size);
    // He et al. (2015): std √(2 / fan-in), fan-in = every axis but the last (dense [in, out], conv [kh, kw, in, out]).
    const std = this.kernelInit === 'he' ? Math.sqrt(2 / (size / shape.at(-1)!)) : this.initStd;
    if (init === 'normal') this.rng.fillTruncatedNormal(values, std);
    else if (init === 'ones') values.fill(1);
    else if (typeof init === 'number') values.fill(init);
    const trainable = kind !== 'bn-moving-mean' && kind !== 'bn-moving-variance';
    const initial = tf.tensor(values, shape);
    // The variable shares the data; the initial tensor would otherwise hold it past the network's disposal.
    const param: Param = { name, kind, trainable, variable: tf.variable(initial, trainable) };
    initial.dispose();
    this.params.push(param);
    return param;
  }

  /** 'normal': N(0, initStd²) truncated, the thesis's nets; 'he': scaled by each kernel's fan-in, for deeper ReLU nets. */
  kernelInit: 'normal' | 'he' = 'normal';

  /** Bias value for layers whose initial bias the recipe fixes (LeNet's 0.1). */
  biasInit: 'zeros' | number = 'zeros';
  /** False for nets written without `+ b` (the thesis's captcha DCGAN code, SPEC §3): layers add no bias. */
  biases = true;

  /** The layer's bias [n], or null when this network has none. */
  bias(name: string, kind: ParamKind, n: number, init: 'zeros' | number = this.biasInit): Param | null {
    return this.biases ? this.add(`${name}/bias`, kind, [n], init) : null;
  }
}

const withBias = (y: Tensor, b: Param | null): Tensor => (b ? tf.add(y, b.variable) : y);

/** fc N: x [B, in] → [B, out]. */
export function dense(pb: ParamBuilder, name: string, inUnits: number, outUnits: number): Layer {
  const w = pb.add(`${name}/kernel`, 'dense-kernel', [inUnits, outUnits], 'normal').variable;
  const b = pb.bias(name, 'dense-bias', outUnits);
  return (x) => withBias(tf.matMul(x as Tensor2D, w as unknown as Tensor2D), b);
}

/** conv k s N, NHWC: x [B, H, W, Cin] → [B, H', W', N]. */
export function conv(
  pb: ParamBuilder, name: string, kernel: number, stride: number, inChannels: number, outChannels: number,
  padding: 'same' | 'valid' = 'same',
): Layer {
  const w = pb.add(`${name}/kernel`, 'conv-kernel', [kernel, kernel, inChannels, outChannels], 'normal').variable;
  const b = pb.bias(name, 'conv-bias', outChannels);
  return (x) => withBias(tf.conv2d(x as Tensor4D, w as unknown as Tensor4D, stride, padding), b);
}

/** A 1-D convolution along the width, SAME: x [B, 1, T, Cin] → [B, 1, T, N] (a conv with a 1 × k kernel). */
export function temporalConv(pb: ParamBuilder, name: string, kernel: number, inChannels: number, outChannels: number): Layer {
  const w = pb.add(`${name}/kernel`, 'conv-kernel', [1, kernel, inChannels, outChannels], 'normal').variable;
  const b = pb.bias(name, 'conv-bias', outChannels);
  return (x) => withBias(tf.conv2d(x as Tensor4D, w as unknown as Tensor4D, 1, 'same'), b);
}

/** deconv k s, SAME: x [B, H, W, Cin] → [B, H·s, W·s, N] (a transposed convolution). */
export function deconv(
  pb: ParamBuilder, name: string, kernel: number, stride: number, inChannels: number, outChannels: number,
): Layer {
  // conv2dTranspose's filter is [k, k, out, in].
  const w = pb.add(`${name}/kernel`, 'deconv-kernel', [kernel, kernel, outChannels, inChannels], 'normal').variable;
  const b = pb.bias(name, 'deconv-bias', outChannels, 'zeros');
  return (x) => {
    const [batch, h, wd] = x.shape as [number, number, number, number];
    return withBias(tf.conv2dTranspose(x as Tensor4D, w as unknown as Tensor4D, [batch, h * stride, wd * stride, outChannels], stride, 'same'), b);
  };
}

/** Momentum of batch norm's moving averages (DCGAN-tensorflow's 0.9). */
export const BN_MOMENTUM = 0.9;
export const BN_EPSILON = 1e-5;

/**
 * Batch norm over every axis but the last: batch statistics while training (and
 * a moving-average update pushed to ctx.statUpdates), moving averages otherwise.
 */
export function batchNorm(pb: ParamBuilder, name: string, channels: number): Layer {
  const gamma = pb.add(`${name}/gamma`, 'bn-gamma', [channels], 'ones').variable;
  const beta = pb.add(`${name}/beta`, 'bn-beta', [channels], 'zeros').variable;
  const movingMean = pb.add(`${name}/moving_mean`, 'bn-moving-mean', [channels], 'zeros').variable;
  const movingVar = pb.add(`${name}/moving_variance`, 'bn-moving-variance', [channels], 'ones').variable;
  return (x, ctx) => {
    if (!ctx.training) return tf.batchNorm(x, movingMean, movingVar, beta, gamma, BN_EPSILON);
    const { y, mean, variance } = batchNormTraining(x, gamma, beta, BN_EPSILON);
    if (ctx.statUpdates) {
      // Kept past the gradient tape's tidy; applyStatUpdates disposes them.
      ctx.statUpdates.push(
        { target: movingMean, observed: tf.keep(tf.clone(mean)), momentum: BN_MOMENTUM },
        { target: movingVar, observed: tf.keep(tf.clone(variance)), momentum: BN_MOMENTUM },
      );
    }
    return y;
  };
}

export { BATCH_NORM_KINDS, type BatchNormKind };

/** `batchnormalize`'s ε in the public TensorFlow DCGAN the thesis's captcha code comes from. */
export const BATCHNORMALIZE_EPSILON = 1e-8;

/** Parameter-free batch norm over every axis but the last: x [..., C] → same shape. */
export const batchNormalize: Layer = (x, ctx) => {
  const channels = x.shape.at(-1)!;
  // Unit scale, zero offset: the trained layer's fast gradient, with nothing to learn.
  const [one, zero] = [tf.ones([channels]), tf.zeros([channels])];
  if (ctx.training) return batchNormTraining(x, one, zero, BATCHNORMALIZE_EPSILON).y;
  const { mean, variance } = tf.moments(x, x.shape.map((_, i) => i).slice(0, -1));
  return tf.batchNorm(x, mean, variance, zero, one, BATCHNORMALIZE_EPSILON);
};

/** The batch norm layer of `kind`. */
export function normalization(pb: ParamBuilder, kind: BatchNormKind, name: string, channels: number): Layer {
  return kind === 'learnable' ? batchNorm(pb, name, channels) : batchNormalize;
}

export const LRELU_SLOPE = 0.2;
export const lrelu: Layer = (x) => tf.leakyRelu(x, LRELU_SLOPE);
export const relu: Layer = (x) => tf.relu(x);
export const sigmoid: Layer = (x) => tf.sigmoid(x);
export const tanh: Layer = (x) => tf.tanh(x);
export const flatten: Layer = (x) => tf.reshape(x, [x.shape[0]!, -1]);
export const reshapeTo = (shape: number[]): Layer => (x) => tf.reshape(x, [x.shape[0]!, ...shape]);
export const maxPool2: Layer = (x) => tf.maxPool(x as Tensor4D, 2, 2, 'valid');

/** Concatenates the one-hot labels of ctx to a [B, N] activation: → [B, N + classes]. */
export const concatLabels: Layer = (x: Tensor, ctx: ApplyContext) => {
  if (!ctx.labels) throw new Error('this network is label-conditioned: pass one-hot labels');
  return tf.concat([x, ctx.labels], 1);
};

/** Concatenates the labels as constant planes to an image activation: [B, H, W, C] → [B, H, W, C + classes]. */
export const concatLabelPlanes: Layer = (x: Tensor, ctx: ApplyContext) => {
  if (!ctx.labels) throw new Error('this network is label-conditioned: pass one-hot labels');
  const [batch, h, w] = x.shape as [number, number, number, number];
  const classes = ctx.labels.shape[1];
  const planes = tf.mul(tf.reshape(ctx.labels, [batch, 1, 1, classes]), tf.ones([1, h, w, 1]));
  return tf.concat([x, planes], 3);
};

/** Folds observed batch statistics into their moving averages, in order, and frees them. */
export function applyStatUpdates(updates: StatUpdate[]): void {
  for (const u of updates) {
    tf.tidy(() => u.target.assign(tf.add(tf.mul(u.target, u.momentum), tf.mul(u.observed, 1 - u.momentum))));
    u.observed.dispose();
  }
  updates.length = 0;
}

/** Assembles a network from layers applied in order. */
export function sequential(
  name: string, pb: ParamBuilder, inputShape: number[], outputShape: number[], layers: Layer[], labelClasses = 0,
): Network {
  return {
    name,
    inputShape,
    outputShape,
    labelClasses,
    params: pb.params,
    apply(x: Tensor, ctx: ApplyContext): Tensor {
      let h = x;
      for (const layer of layers) h = layer(h, ctx);
      return h;
    },
  };
}
