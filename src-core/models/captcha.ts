import { LABEL_JOINS, type LabelJoin } from '../presets/vocabulary.ts';
import type { Rng } from '../util/rng.ts';
import { tf, type Tensor2D } from '../engine/tf.ts';
import {
  ParamBuilder, concatLabelPlanes, concatLabels, conv, deconv, dense, flatten, lrelu, maxPool2, normalization, relu,
  reshapeTo, sequential, sigmoid, tanh, type BatchNormKind,
} from './layers.ts';
import type { Layer, Network } from './network.ts';

import { CAPTCHA_CLASSES, TILE } from '../domain/image-shapes.ts';

export { CAPTCHA_ALPHABET, CAPTCHA_CLASSES, TILE } from '../domain/image-shapes.ts';
/** SPEC §3: the generator's noise is a 128-vector. */
export const CAPTCHA_Z = 128;

/**
 * SPEC §2, the LeNet-style recogniser. Output: logits [B, classes].
 *   [B,20,20,1] → conv5 VALID 20 → ReLU → pool → [B,8,8,20]
 *   → conv5 VALID 50 → ReLU → pool → [B,2,2,50] → flatten 200 → fc 500 → ReLU → fc classes
 * `penultimate` applies up to the 500-d ReLU layer (the features metrics use).
 */
export function buildCaptchaRecognizer(rng: Rng, classes = CAPTCHA_CLASSES): Network & { penultimate: Network['apply'] } {
  // TensorFlow's MNIST tutorial init, as the thesis uses: truncated N(0, 0.1²) weights, 0.1 biases.
  const pb = new ParamBuilder(rng, 0.1);
  pb.biasInit = 0.1;
  const features: Layer[] = [
    conv(pb, 'conv1', 5, 1, 1, 20, 'valid'), relu, maxPool2,
    conv(pb, 'conv2', 5, 1, 20, 50, 'valid'), relu, maxPool2,
    flatten, dense(pb, 'fc1', 200, 500), relu,
  ];
  const head = dense(pb, 'fc2', 500, classes);
  const net = sequential('captcha-recognizer', pb, [TILE, TILE, 1], [classes], [...features, head]);
  const featureNet = sequential('captcha-recognizer/features', pb, [TILE, TILE, 1], [500], features);
  return { ...net, penultimate: featureNet.apply };
}

export { LABEL_JOINS, type LabelJoin };

/** What the captcha DCGAN nets are built with besides their layers (SPEC §3). */
export interface CaptchaDcganOptions {
  /** Layers add biases (the thesis's code has none). */
  biases: boolean;
  /** The batch norm of every BN layer. */
  batchNormKind: BatchNormKind;
  /** One-hot label classes (0: unconditioned). */
  labelClasses: number;
  labelJoin: LabelJoin;
}

export interface CaptchaDiscriminatorOptions extends CaptchaDcganOptions {
  /** Batch norm after fc 1024 (off for WGAN-GP critics, SPEC §9). */
  batchNorm: boolean;
}

function paramBuilder(rng: Rng, biases: boolean): ParamBuilder {
  const pb = new ParamBuilder(rng);
  pb.biases = biases;
  return pb;
}

/**
 * SPEC §3 discriminator / WDCGAN critic. Output: one logit (or critic value) [B, 1].
 *   [B,20,20,1] → conv5 s2 64 → lrelu → [B,10,10,64] → conv5 s2 128 → lrelu → [B,5,5,128]
 *   → flatten 3200 → (concat labels: 3200+L) → fc 1024 → (BN) → lrelu → fc 1
 * every-layer adds label planes before each conv ([B,20,20,1+L], [B,10,10,64+L]) and the labels
 * before fc 1 (1024+L); projection adds ⟨E·y, h⟩ to fc 1's output (E: [L, 1024]).
 */
export function buildCaptchaDcganDiscriminator(rng: Rng, opts: CaptchaDiscriminatorOptions): Network {
  const pb = paramBuilder(rng, opts.biases);
  const L = opts.labelClasses;
  const every = L > 0 && opts.labelJoin === 'every-layer';
  const project = L > 0 && opts.labelJoin === 'projection';
  const planes = every ? L : 0;
  const atFeatures = L > 0 && !project ? L : 0;
  const layers: Layer[] = [
    ...(every ? [concatLabelPlanes] : []),
    conv(pb, 'conv1', 5, 2, 1 + planes, 64), lrelu,
    ...(every ? [concatLabelPlanes] : []),
    conv(pb, 'conv2', 5, 2, 64 + planes, 128), lrelu,
    flatten,
    ...(atFeatures ? [concatLabels] : []),
    dense(pb, 'fc1', 3200 + atFeatures, 1024),
    ...(opts.batchNorm ? [normalization(pb, opts.batchNormKind, 'bn1', 1024)] : []), lrelu,
    ...(every ? [concatLabels] : []),
    project ? projectionHead(pb, 'fc2', 1024, L) : dense(pb, 'fc2', 1024 + planes, 1),
  ];
  return sequential('captcha-dcgan/D', pb, [TILE, TILE, 1], [1], layers, L);
}

/**
 * A projection discriminator's output layer: h [B, n] → fc(h) + ⟨y·E, h⟩ [B, 1].
 * E [classes, n] is a linear map of the one-hot label (a dense kernel, clipped as one).
 */
function projectionHead(pb: ParamBuilder, name: string, units: number, classes: number): Layer {
  const fc = dense(pb, name, units, 1);
  const embed = pb.add(`${name}/label_embedding`, 'dense-kernel', [classes, units], 'normal').variable;
  return (h, ctx) => {
    if (!ctx.labels) throw new Error('this network is label-conditioned: pass one-hot labels');
    const projected = tf.sum(tf.mul(tf.matMul(ctx.labels, embed as unknown as Tensor2D), h), 1, true);
    return tf.add(fc(h, ctx), projected);
  };
}

export interface CaptchaGeneratorOptions extends CaptchaDcganOptions {
  zDim: number;
  /**
   * 'sigmoid': SPEC §3's deconv → 20×20×1 → sigmoid.
   * 'smoothing': SPEC §6's deconv → 20×20×16 → tanh → conv5 s1 → 20×20×1 → sigmoid.
   */
  tail: 'sigmoid' | 'smoothing';
}

/** Channels of the last deconv when the smoothing conv follows it (SPEC §6). */
export const SMOOTHING_CHANNELS = 16;

/**
 * SPEC §3 generator (and §6's smoothing tail). Output: images [B, 20, 20, 1] in [0, 1].
 *   z [B,128] (+ labels) → fc 1024 → BN → ReLU → fc 3200 → BN → ReLU → reshape [B,5,5,128]
 *   → deconv5 s2 → [B,10,10,64] → BN → ReLU → deconv5 s2 → [B,20,20,1 or 16] → tail
 * every-layer also joins the labels before fc 3200 and as planes before each deconv.
 */
export function buildCaptchaDcganGenerator(rng: Rng, opts: CaptchaGeneratorOptions): Network {
  const pb = paramBuilder(rng, opts.biases);
  const L = opts.labelClasses;
  const every = L > 0 && opts.labelJoin === 'every-layer' ? L : 0;
  const bn = (name: string, c: number) => normalization(pb, opts.batchNormKind, name, c);
  const lastChannels = opts.tail === 'smoothing' ? SMOOTHING_CHANNELS : 1;
  const layers: Layer[] = [
    ...(L ? [concatLabels] : []),
    dense(pb, 'fc1', opts.zDim + L, 1024), bn('bn1', 1024), relu,
    ...(every ? [concatLabels] : []),
    dense(pb, 'fc2', 1024 + every, 3200), bn('bn2', 3200), relu,
    reshapeTo([5, 5, 128]),
    ...(every ? [concatLabelPlanes] : []),
    deconv(pb, 'deconv1', 5, 2, 128 + every, 64), bn('bn3', 64), relu,
    ...(every ? [concatLabelPlanes] : []),
    deconv(pb, 'deconv2', 5, 2, 64 + every, lastChannels),
    ...(opts.tail === 'smoothing' ? [tanh, conv(pb, 'smooth', 5, 1, SMOOTHING_CHANNELS, 1)] : []),
    sigmoid,
  ];
  return sequential('captcha-dcgan/G', pb, [opts.zDim], [TILE, TILE, 1], layers, L);
}

/**
 * SPEC §4 fully-connected critic. Output [B, 1].
 *   [B,20,20,1] → flatten 400 → fc 500 → ReLU → fc 1
 */
export function buildCaptchaFcDiscriminator(rng: Rng, biases = true): Network {
  const pb = paramBuilder(rng, biases);
  const layers = [flatten, dense(pb, 'fc1', TILE * TILE, 500), relu, dense(pb, 'fc2', 500, 1)];
  return sequential('captcha-fc/D', pb, [TILE, TILE, 1], [1], layers);
}

/**
 * SPEC §4 fully-connected generator. Output [B, 20, 20, 1].
 *   z [B,128] → fc 500 → ReLU → fc 400 → sigmoid → reshape [B,20,20,1]
 */
export function buildCaptchaFcGenerator(rng: Rng, biases = true, zDim = CAPTCHA_Z): Network {
  const pb = paramBuilder(rng, biases);
  const layers = [dense(pb, 'fc1', zDim, 500), relu, dense(pb, 'fc2', 500, TILE * TILE), sigmoid, reshapeTo([TILE, TILE, 1])];
  return sequential('captcha-fc/G', pb, [zDim], [TILE, TILE, 1], layers);
}
