import type { Rng } from '../util/rng.ts';
import {
  ParamBuilder, conv, deconv, dense, flatten, lrelu, normalization, relu, reshapeTo, sequential, sigmoid, tanh,
  type BatchNormKind,
} from './layers.ts';
import type { Layer, Network } from './network.ts';
import { FACE_CHANNELS } from '../domain/image-shapes.ts';

/** Image side: the thesis's 128, or 64 for CPUs (every layer keeps its stride; sizes halve). */
export type FaceSize = 64 | 128;
export const FACE_Z = 128;
export { FACE_CHANNELS } from '../domain/image-shapes.ts';

/**
 * How the face DCGAN nets' layers are made. The thesis builds them with wrappers (5.1:
 * `conv2d`, `deconv2d`, `fully_connected`, `batch_norm(value, is_train)`) whose bodies it
 * does not show; read as DCGAN-tensorflow's, they add biases and a learnable batch norm.
 */
export interface FaceLayerOptions {
  biases: boolean;
  batchNormKind: BatchNormKind;
}

function faceParams(rng: Rng, o: FaceLayerOptions): ParamBuilder {
  const pb = new ParamBuilder(rng);
  pb.biases = o.biases;
  return pb;
}

/**
 * SPEC §8 DCGAN discriminator (no BN when `batchNorm` is false: WGAN-GP critics).
 *   [B,S,S,3] → conv5 s2 32 → ReLU → [S/2] → conv5 s2 64 → BN → ReLU → [S/4]
 *   → conv5 s2 128 → BN → ReLU → [S/8] → conv5 s2 256 → [B,S/16,S/16,256]
 *   → flatten (S/16)²·256 (16384 at 128²) → fc 1
 * As SPEC states, no activation follows the fourth conv.
 */
export function buildFaceDcganDiscriminator(rng: Rng, size: FaceSize, opts: { batchNorm: boolean } & FaceLayerOptions): Network {
  const pb = faceParams(rng, opts);
  const bn = (name: string, c: number): Layer[] => (opts.batchNorm ? [normalization(pb, opts.batchNormKind, name, c)] : []);
  const side = size / 16;
  const layers: Layer[] = [
    conv(pb, 'conv1', 5, 2, FACE_CHANNELS, 32), relu,
    conv(pb, 'conv2', 5, 2, 32, 64), ...bn('bn2', 64), relu,
    conv(pb, 'conv3', 5, 2, 64, 128), ...bn('bn3', 128), relu,
    conv(pb, 'conv4', 5, 2, 128, 256),
    flatten, dense(pb, 'fc1', side * side * 256, 1),
  ];
  return sequential(`celeba-${size}-dcgan/D`, pb, [size, size, FACE_CHANNELS], [1], layers);
}

/**
 * SPEC §8 DCGAN generator; `tail: 'smoothing'` is §5.4's WDCGAN_update tail.
 *   z [B,128] → fc (S/16)²·256 → ReLU → reshape [S/16,S/16,256]
 *   → deconv5 s2 → [S/8,·,128] → BN → ReLU → deconv → [S/4,·,64] → BN → ReLU
 *   → deconv → [S/2,·,32] → BN → ReLU → deconv → [S,S,3] → sigmoid
 *   smoothing: last deconv → [S,S,16] → tanh → conv5 s1 3 → sigmoid
 */
export function buildFaceDcganGenerator(
  rng: Rng, size: FaceSize, opts: { tail: 'sigmoid' | 'smoothing'; zDim?: number } & FaceLayerOptions,
): Network {
  const pb = faceParams(rng, opts);
  const bn = (name: string, c: number) => normalization(pb, opts.batchNormKind, name, c);
  const zDim = opts.zDim ?? FACE_Z;
  const side = size / 16;
  const smoothing = opts.tail === 'smoothing';
  const layers: Layer[] = [
    dense(pb, 'fc1', zDim, side * side * 256), relu, reshapeTo([side, side, 256]),
    deconv(pb, 'deconv1', 5, 2, 256, 128), bn('bn1', 128), relu,
    deconv(pb, 'deconv2', 5, 2, 128, 64), bn('bn2', 64), relu,
    deconv(pb, 'deconv3', 5, 2, 64, 32), bn('bn3', 32), relu,
    deconv(pb, 'deconv4', 5, 2, 32, smoothing ? 16 : FACE_CHANNELS),
    ...(smoothing ? [tanh, conv(pb, 'smooth', 5, 1, 16, FACE_CHANNELS)] : []),
    sigmoid,
  ];
  return sequential(`celeba-${size}-dcgan/G`, pb, [zDim], [size, size, FACE_CHANNELS], layers);
}

/**
 * SPEC §8 (5.5) fully-connected critic.
 *   [B,S,S,3] → flatten S²·3 → fc 1024 → lrelu → fc 1
 */
export function buildFaceFcDiscriminator(rng: Rng, size: FaceSize, biases = true): Network {
  const pb = faceParams(rng, { biases, batchNormKind: 'learnable' });
  const layers = [flatten, dense(pb, 'fc1', size * size * FACE_CHANNELS, 1024), lrelu, dense(pb, 'fc2', 1024, 1)];
  return sequential(`celeba-${size}-fc/D`, pb, [size, size, FACE_CHANNELS], [1], layers);
}

/**
 * SPEC §8 (5.5, 5.6) fully-connected generators.
 *   'plain' (5.5): z → fc 1024 → ReLU → fc S²·3 → sigmoid → reshape [S,S,3]
 *   'conv' (5.6a): z → fc 1024 → ReLU → fc S²·3 → reshape [S,S,3] → tanh → conv5 s1 3 → sigmoid
 *     (the thesis gives no sizes for this smoothing conv: 3 → 3 channels keeps the fc as in 5.5)
 *   'deconv' (5.6b): z → fc (S/4)²·4 (4096 at 128²) → reshape [S/4,S/4,4] → deconv5 s2 → [S/2,·,16] → tanh
 *     → deconv5 s2 → [S,S,8] → tanh → conv5 s1 3 → sigmoid
 */
export function buildFaceFcGenerator(rng: Rng, size: FaceSize, variant: 'plain' | 'conv' | 'deconv', biases = true, zDim = FACE_Z): Network {
  const pb = faceParams(rng, { biases, batchNormKind: 'learnable' });
  const pixels = size * size * FACE_CHANNELS;
  let layers: Layer[];
  if (variant === 'deconv') {
    const side = size / 4;
    layers = [
      dense(pb, 'fc1', zDim, side * side * 4), reshapeTo([side, side, 4]),
      deconv(pb, 'deconv1', 5, 2, 4, 16), tanh,
      deconv(pb, 'deconv2', 5, 2, 16, 8), tanh,
      conv(pb, 'smooth', 5, 1, 8, FACE_CHANNELS), sigmoid,
    ];
  } else {
    layers = [dense(pb, 'fc1', zDim, 1024), relu, dense(pb, 'fc2', 1024, pixels)];
    layers.push(
      ...(variant === 'conv'
        ? [reshapeTo([size, size, FACE_CHANNELS]), tanh, conv(pb, 'smooth', 5, 1, FACE_CHANNELS, FACE_CHANNELS), sigmoid]
        : [sigmoid, reshapeTo([size, size, FACE_CHANNELS])]),
    );
  }
  return sequential(`celeba-${size}-fc-${variant}/G`, pb, [zDim], [size, size, FACE_CHANNELS], layers);
}
