import { GAN_LOSSES, type GanLoss } from '../presets/vocabulary.ts';
import { tf, type Tensor } from '../engine/tf.ts';

export { GAN_LOSSES, type GanLoss };

/** Scalar losses of one discriminator evaluation, plus the named numbers to report. */
export interface DiscriminatorLoss {
  total: Tensor;
  parts: Record<string, Tensor>;
}

/**
 * Discriminator / critic loss from raw outputs (logits for 'gan', critic values
 * for the Wasserstein losses), each [B, 1].
 *  gan:   CE(real, 1) + CE(fake, 0) on logits = mean softplus(−r) + mean softplus(f)
 *         (SPEC §3's sigmoid-then-logits bug is not reproduced)
 *  wgan:  mean(f) − mean(r)   (reported: wasserstein = mean(r) − mean(f))
 *  lsgan: ½ mean((r − 1)²) + ½ mean(f²)
 * The gradient penalty of 'wgan-gp' is added by the critic step, which owns x̂.
 */
export function discriminatorLoss(loss: GanLoss, real: Tensor, fake: Tensor): DiscriminatorLoss {
  switch (loss) {
    case 'gan': {
      const total = tf.add(tf.mean(tf.softplus(tf.neg(real))), tf.mean(tf.softplus(fake)));
      return { total, parts: { d: total } };
    }
    case 'wgan':
    case 'wgan-gp': {
      const wasserstein = tf.sub(tf.mean(real), tf.mean(fake));
      const total = tf.neg(wasserstein);
      return { total, parts: { d: total, wasserstein } };
    }
    case 'lsgan': {
      const total = tf.mul(0.5, tf.add(tf.mean(tf.square(tf.sub(real, 1))), tf.mean(tf.square(fake))));
      return { total, parts: { d: total } };
    }
  }
}

/**
 * Generator loss from the discriminator's outputs on fakes [B, 1].
 *  gan: non-saturating CE(fake, 1) = mean softplus(−f); wgan: −mean(f); lsgan: ½ mean((f − 1)²)
 */
export function generatorLoss(loss: GanLoss, fake: Tensor): Tensor {
  switch (loss) {
    case 'gan':
      return tf.mean(tf.softplus(tf.neg(fake)));
    case 'wgan':
    case 'wgan-gp':
      return tf.neg(tf.mean(fake));
    case 'lsgan':
      return tf.mul(0.5, tf.mean(tf.square(tf.sub(fake, 1))));
  }
}

/** Keeps ‖g‖ differentiable at 0 (the norm's gradient is g/‖g‖). */
const NORM_EPSILON = 1e-12;

/**
 * WGAN-GP's penalty λ · mean_b (‖∇x̂ D(x̂)_b‖₂ − 1)², the norm taken over every
 * non-batch axis (SPEC §9: not the thesis's axis 1). `critic` maps x̂ [B, ...] → [B, 1].
 * Differentiable with respect to the critic's weights (second-order gradients).
 */
export function gradientPenalty(critic: (x: Tensor) => Tensor, interpolates: Tensor, lambda: number): Tensor {
  const grad = tf.grad((x: Tensor) => tf.sum(critic(x)))(interpolates);
  const axes = grad.shape.map((_, i) => i).slice(1);
  const norms = tf.sqrt(tf.add(tf.sum(tf.square(grad), axes), NORM_EPSILON));
  return tf.mul(lambda, tf.mean(tf.square(tf.sub(norms, 1))));
}
