import { tf, type Scalar, type Tensor, type Tensor2D } from '../engine/tf.ts';
import { applyStatUpdates } from '../models/layers.ts';
import type { Network, StatUpdate } from '../models/network.ts';
import { trainableVariables } from '../models/network.ts';
import { clipNetwork, type ClipPolicy } from './clipping.ts';
import { discriminatorLoss, generatorLoss, gradientPenalty, type GanLoss } from './losses.ts';
import type { Optimizer } from './optimizers.ts';

/** What the two step functions share: the nets, their optimisers and the recipe. */
export interface GanModel {
  discriminator: Network;
  generator: Network;
  dOptimizer: Optimizer;
  gOptimizer: Optimizer;
  loss: GanLoss;
  gpWeight: number;
  clip: { policy: ClipPolicy; value: number };
}

/** Inputs of one critic update, all drawn by the caller from seeded streams. */
export interface CriticInputs {
  /** Real images [B, H, W, C]. */
  real: Tensor;
  /** Noise [B, z]. */
  noise: Tensor2D;
  /** One-hot labels [B, classes] of the real images (conditioned nets), also given to G. */
  labels?: Tensor2D;
  /** Interpolation weights α [B, 1, 1, 1] for the gradient penalty. */
  alpha?: Tensor;
}

type Losses = Record<string, number>;
/** Named loss scalars still on the device; the caller owns (and disposes) them. */
export type LossTensors = Record<string, Scalar>;

/** Runs `f` under the tape for `net`'s trainable variables; keeps the named parts past the tape's tidy. */
function lossAndGrads(net: Network, f: (keep: (name: string, t: Tensor) => void) => Tensor) {
  const kept: LossTensors = {};
  const { value, grads } = tf.variableGrads(
    // Clones: a kept part may be the returned loss itself, which the caller disposes.
    () => f((name, t) => (kept[name] = tf.keep(tf.clone(t)) as Scalar)) as tf.Scalar,
    trainableVariables(net),
  );
  return { value, grads, kept };
}

/** Reads (and disposes) loss scalars: for callers that want numbers now, not the training loop. */
export async function readLosses(parts: LossTensors): Promise<Losses> {
  const out: Losses = {};
  for (const [k, t] of Object.entries(parts)) {
    out[k] = (await t.data())[0]!;
    t.dispose();
  }
  return out;
}

/**
 * One update of `role`'s network: the loss under the tape (its named parts kept),
 * one optimiser step, the network's batch-norm statistics, then its clipping policy.
 * Nothing is read back: the parts stay on the device.
 */
function update(
  model: GanModel, role: 'discriminator' | 'generator',
  loss: (keep: (name: string, t: Tensor) => void, stats: StatUpdate[]) => Tensor,
): LossTensors {
  const net = role === 'discriminator' ? model.discriminator : model.generator;
  const optimizer = role === 'discriminator' ? model.dOptimizer : model.gOptimizer;
  const stats: StatUpdate[] = [];
  const parts = tf.tidy(() => {
    const { value, grads, kept } = lossAndGrads(net, (keep) => loss(keep, stats));
    optimizer.apply(grads);
    value.dispose();
    return kept;
  });
  applyStatUpdates(stats);
  clipNetwork(model.clip.policy, role, net, model.clip.value);
  return parts;
}

/**
 * One discriminator/critic update: fakes from G (batch-mode BN, no gradient to G,
 * G's statistics untouched), the loss on real and fake (+ the gradient penalty),
 * then update(). Returns d, and wasserstein / gp where the loss has them, on the device.
 */
export function discriminatorUpdate(model: GanModel, inputs: CriticInputs): LossTensors {
  const G = model.generator;
  // Generated before the tape starts, so G's forward pass is not recorded on it.
  const fake = tf.tidy(() => G.apply(inputs.noise, { training: true, labels: inputs.labels }));
  try {
    return update(model, 'discriminator', (keep, stats) => discriminatorLossParts(model, inputs, fake, keep, stats));
  } finally {
    fake.dispose();
  }
}

/** discriminatorUpdate with its losses read back. */
export function discriminatorStep(model: GanModel, inputs: CriticInputs): Promise<Losses> {
  return readLosses(discriminatorUpdate(model, inputs));
}

/** The critic's loss on real and fake (+ the penalty), keeping its named parts. */
function discriminatorLossParts(
  model: GanModel, inputs: CriticInputs, fake: Tensor, keep: (name: string, t: Tensor) => void, stats: StatUpdate[],
): Tensor {
  const D = model.discriminator;
  const ctx = { training: true, labels: inputs.labels, statUpdates: stats };
  const loss = discriminatorLoss(model.loss, D.apply(inputs.real, ctx), D.apply(fake, ctx));
  let total = loss.total;
  if (model.loss === 'wgan-gp') {
    if (!inputs.alpha) throw new Error('the gradient penalty needs alpha');
    const alpha = inputs.alpha;
    const interpolates = tf.add(tf.mul(alpha, inputs.real), tf.mul(tf.sub(1, alpha), fake));
    const gp = gradientPenalty((x) => D.apply(x, { training: true, labels: inputs.labels }), interpolates, model.gpWeight);
    keep('gp', gp);
    total = tf.add(total, gp);
  }
  for (const [name, t] of Object.entries(loss.parts)) if (name !== 'd') keep(name, t);
  keep('d', total);
  return total;
}

/**
 * One generator update: G(z) through D (batch-mode BN, D's statistics untouched),
 * the generator loss, then update() (only the selective policy clips G). Returns g, on the device.
 */
export function generatorUpdate(model: GanModel, noise: Tensor2D, labels?: Tensor2D): LossTensors {
  const { discriminator: D, generator: G } = model;
  return update(model, 'generator', (keep, stats) => {
    const fake = G.apply(noise, { training: true, labels, statUpdates: stats });
    const g = generatorLoss(model.loss, D.apply(fake, { training: true, labels }));
    keep('g', g);
    return g;
  });
}

/** generatorUpdate with its loss read back. */
export function generatorStep(model: GanModel, noise: Tensor2D, labels?: Tensor2D): Promise<Losses> {
  return readLosses(generatorUpdate(model, noise, labels));
}

/** Images from G in inference mode (moving batch-norm statistics): [B, H, W, C]. */
export function generate(G: Network, noise: Tensor2D, labels?: Tensor2D): Tensor {
  return tf.tidy(() => G.apply(noise, { training: false, labels }));
}
