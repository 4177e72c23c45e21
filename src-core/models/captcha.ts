import type { Rng } from '../util/rng.ts';
import {
  ParamBuilder, batchNorm, concatLabels, conv, deconv, dense, flatten, lrelu, maxPool2, relu, reshapeTo, sequential,
  sigmoid, tanh,
} from './layers.ts';
import type { Layer, Network } from './network.ts';

/** SPEC §1: digits 2–9 and A–Z without I and O. */
export const CAPTCHA_ALPHABET = '23456789ABCDEFGHJKLMNPQRSTUVWXYZ';
export const CAPTCHA_CLASSES = CAPTCHA_ALPHABET.length; // 32
/** One character tile of a 20×80 captcha cut into four: 20×20×1. */
export const TILE = 20;
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

export interface CaptchaDiscriminatorOptions {
  /** Batch norm after fc 1024 (off for WGAN-GP critics, SPEC §9). */
  batchNorm: boolean;
  /** One-hot labels concatenated after the first fc block (SPEC §7). */
  labelClasses: number;
}

/**
 * SPEC §3 discriminator / WDCGAN critic. Output: one logit (or critic value) [B, 1].
 *   [B,20,20,1] → conv5 s2 64 → lrelu → [B,10,10,64] → conv5 s2 128 → lrelu → [B,5,5,128]
 *   → flatten 3200 → fc 1024 → (BN) → lrelu → (concat labels) → fc 1
 */
export function buildCaptchaDcganDiscriminator(rng: Rng, opts: CaptchaDiscriminatorOptions): Network {
  const pb = new ParamBuilder(rng);
  const layers: Layer[] = [
    conv(pb, 'conv1', 5, 2, 1, 64), lrelu,
    conv(pb, 'conv2', 5, 2, 64, 128), lrelu,
    flatten, dense(pb, 'fc1', 3200, 1024),
    ...(opts.batchNorm ? [batchNorm(pb, 'bn1', 1024)] : []), lrelu,
    ...(opts.labelClasses ? [concatLabels] : []),
    dense(pb, 'fc2', 1024 + opts.labelClasses, 1),
  ];
  return sequential('captcha-dcgan/D', pb, [TILE, TILE, 1], [1], layers, opts.labelClasses);
}

export interface CaptchaGeneratorOptions {
  zDim: number;
  labelClasses: number;
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
 */
export function buildCaptchaDcganGenerator(rng: Rng, opts: CaptchaGeneratorOptions): Network {
  const pb = new ParamBuilder(rng);
  const lastChannels = opts.tail === 'smoothing' ? SMOOTHING_CHANNELS : 1;
  const layers: Layer[] = [
    ...(opts.labelClasses ? [concatLabels] : []),
    dense(pb, 'fc1', opts.zDim + opts.labelClasses, 1024), batchNorm(pb, 'bn1', 1024), relu,
    dense(pb, 'fc2', 1024, 3200), batchNorm(pb, 'bn2', 3200), relu,
    reshapeTo([5, 5, 128]),
    deconv(pb, 'deconv1', 5, 2, 128, 64), batchNorm(pb, 'bn3', 64), relu,
    deconv(pb, 'deconv2', 5, 2, 64, lastChannels),
    ...(opts.tail === 'smoothing' ? [tanh, conv(pb, 'smooth', 5, 1, SMOOTHING_CHANNELS, 1)] : []),
    sigmoid,
  ];
  return sequential('captcha-dcgan/G', pb, [opts.zDim], [TILE, TILE, 1], layers, opts.labelClasses);
}

/**
 * SPEC §4 fully-connected critic. Output [B, 1].
 *   [B,20,20,1] → flatten 400 → fc 500 → ReLU → fc 1
 */
export function buildCaptchaFcDiscriminator(rng: Rng): Network {
  const pb = new ParamBuilder(rng);
  const layers = [flatten, dense(pb, 'fc1', TILE * TILE, 500), relu, dense(pb, 'fc2', 500, 1)];
  return sequential('captcha-fc/D', pb, [TILE, TILE, 1], [1], layers);
}

/**
 * SPEC §4 fully-connected generator. Output [B, 20, 20, 1].
 *   z [B,128] → fc 500 → ReLU → fc 400 → sigmoid → reshape [B,20,20,1]
 */
export function buildCaptchaFcGenerator(rng: Rng, zDim = CAPTCHA_Z): Network {
  const pb = new ParamBuilder(rng);
  const layers = [dense(pb, 'fc1', zDim, 500), relu, dense(pb, 'fc2', 500, TILE * TILE), sigmoid, reshapeTo([TILE, TILE, 1])];
  return sequential('captcha-fc/G', pb, [zDim], [TILE, TILE, 1], layers);
}
