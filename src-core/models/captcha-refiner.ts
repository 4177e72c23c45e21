/**
 * A SimGAN-style refiner for fitted synthetic captchas (Shrivastava et al., CVPR 2017) and
 * its critic: the refiner learns to make the synthesiser's captchas look like the dataset's
 * own, the critic to tell them apart, patch by patch; a self-regularisation term (in the
 * step) keeps each refined captcha's text where the synthesiser drew it.
 *
 * Refiner, fully convolutional at the dataset's size (ink in [0, 1]):
 *   x [B, H, W, 1]
 *   → conv3 C → ReLU → [B, H, W, C]
 *   → BLOCKS × (conv3 C → ReLU → conv3 C, added to its input → ReLU)
 *   → conv1 1 → r [B, H, W, 1]
 *   → sigmoid(IDENTITY_GAIN · (2x − 1) + r)   (≈ x while r ≈ 0: training starts from the identity)
 *
 * Critic (local adversarial loss: one logit per receptive-field patch, so the refiner cannot
 * fool it with one global trick):
 *   x [B, H, W, 1] → conv3 s2 32 → lReLU → conv3 s2 64 → lReLU → conv3 64 → lReLU → conv1 1
 *   → logits [B, ⌈H/4⌉, ⌈W/4⌉, 1]
 */
import { tf, type Tensor, type Tensor4D } from '../engine/tf.ts';
import type { Rng } from '../util/rng.ts';
import { ParamBuilder, conv, lrelu, relu, sequential } from './layers.ts';
import type { Network } from './network.ts';

/** Channels of the refiner's feature maps: 16 keeps a step ≈ 1 s at 200 × 50 on 2 cores. */
export const REFINER_CHANNELS = 16;
export const REFINER_BLOCKS = 2;
/** sigmoid(±4) ≈ 0.018 / 0.982: near enough to the identity at the start, not so steep that r cannot move ink. */
const IDENTITY_GAIN = 4;

/** The refiner for captchas of `height × width`: [B, H, W, 1] → [B, H, W, 1] in (0, 1). */
export function buildCaptchaRefiner(rng: Rng, height: number, width: number): Network {
  const pb = new ParamBuilder(rng);
  pb.kernelInit = 'he';
  const C = REFINER_CHANNELS;
  const stem = conv(pb, 'stem', 3, 1, 1, C);
  const blocks = Array.from({ length: REFINER_BLOCKS }, (_, i) => [conv(pb, `block${i}/a`, 3, 1, C, C), conv(pb, `block${i}/b`, 3, 1, C, C)] as const);
  // The residual's last layer starts at zero, so the refined captcha starts as the synthetic one (sharpened a little).
  const outKernel = pb.add('out/kernel', 'conv-kernel', [1, 1, C, 1], 'zeros').variable;
  const outBias = pb.bias('out', 'conv-bias', 1);
  return {
    name: 'captcha-refiner',
    inputShape: [height, width, 1],
    outputShape: [height, width, 1],
    labelClasses: 0,
    params: pb.params,
    apply(x: Tensor, ctx) {
      let h = relu(stem(x, ctx), ctx);
      for (const [a, b] of blocks) h = relu(tf.add(h, b(relu(a(h, ctx), ctx), ctx)), ctx);
      const r = tf.conv2d(h as Tensor4D, outKernel as unknown as Tensor4D, 1, 'same');
      return tf.sigmoid(tf.add(tf.mul(tf.sub(tf.mul(x, 2), 1), IDENTITY_GAIN), outBias ? tf.add(r, outBias.variable) : r));
    },
  };
}

/** The refiner's critic for captchas of `height × width`: [B, H, W, 1] → patch logits [B, ⌈H/4⌉, ⌈W/4⌉, 1]. */
export function buildRefinerCritic(rng: Rng, height: number, width: number): Network {
  const pb = new ParamBuilder(rng);
  pb.kernelInit = 'he';
  const layers = [conv(pb, 'conv1', 3, 2, 1, 32), lrelu, conv(pb, 'conv2', 3, 2, 32, 64), lrelu, conv(pb, 'conv3', 3, 1, 64, 64), lrelu, conv(pb, 'logits', 1, 1, 64, 1)];
  return sequential('refiner-critic', pb, [height, width, 1], [Math.ceil(height / 4), Math.ceil(width / 4), 1], layers);
}
