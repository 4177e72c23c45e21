/**
 * The two updates of the synthetic-captcha refiner (models/captcha-refiner.ts), SimGAN's:
 *  critic:  CE(D(real), 1) + CE(D(R(synthetic)), 0), per patch (R not on the tape)
 *  refiner: CE(D(R(synthetic)), 1) + λ · mean |R(synthetic) − synthetic|   (λ: self-regularisation,
 *           which keeps the text where the synthesiser drew it, so its label stays true)
 * Images [B, H, W, 1], ink in [0, 1]. Each update is one tidy: nothing but the loss outlives it.
 */
import { tf, type Scalar, type Tensor } from '../engine/tf.ts';
import { trainableVariables, type Network } from '../models/network.ts';
import { discriminatorLoss, generatorLoss } from './losses.ts';
import type { Optimizer } from './optimizers.ts';

export interface RefinerModel {
  refiner: Network;
  critic: Network;
  refinerOptimizer: Optimizer;
  criticOptimizer: Optimizer;
  /** λ of the self-regularisation term. */
  selfRegularisation: number;
}

const TRAINING = { training: true } as const;

/** One optimiser step of `net` on `loss()`; returns the loss, still on the device (the caller disposes it). */
function step(net: Network, optimizer: Optimizer, loss: () => Scalar): Scalar {
  return tf.tidy(() => {
    const { value, grads } = tf.variableGrads(loss, trainableVariables(net));
    optimizer.apply(grads);
    return value;
  });
}

/** One critic update on real captchas and refined synthetic ones. Returns the critic's loss. */
export function refinerCriticUpdate(m: RefinerModel, real: Tensor, synthetic: Tensor): Scalar {
  // Refined before the tape starts: the critic's step does not reach the refiner.
  const refined = tf.tidy(() => m.refiner.apply(synthetic, TRAINING));
  try {
    return step(m.critic, m.criticOptimizer, () => discriminatorLoss('gan', m.critic.apply(real, TRAINING), m.critic.apply(refined, TRAINING)).total as Scalar);
  } finally {
    refined.dispose();
  }
}

/** One refiner update: fool the critic, stay near the synthetic captcha. Returns { adversarial, regularisation } on the device. */
export function refinerUpdate(m: RefinerModel, synthetic: Tensor): { adversarial: Scalar; regularisation: Scalar } {
  let adversarial: Scalar | null = null;
  let regularisation: Scalar | null = null;
  const total = step(m.refiner, m.refinerOptimizer, () => {
    const refined = m.refiner.apply(synthetic, TRAINING);
    const a = generatorLoss('gan', m.critic.apply(refined, TRAINING));
    const r = tf.mean(tf.abs(tf.sub(refined, synthetic)));
    adversarial = tf.keep(tf.clone(a)) as Scalar;
    regularisation = tf.keep(tf.clone(r)) as Scalar;
    return tf.add(a, tf.mul(r, m.selfRegularisation)) as Scalar;
  });
  total.dispose();
  return { adversarial: adversarial!, regularisation: regularisation! };
}

/** Refined captchas [B, H, W, 1] (no update). */
export function refine(refiner: Network, synthetic: Tensor): Tensor {
  return tf.tidy(() => refiner.apply(synthetic, { training: false }));
}
