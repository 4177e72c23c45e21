/**
 * The thesis's idea — GAN-made captcha data lessens hand labelling — put where it can help
 * the segmentation-free recogniser: a SimGAN refiner (models/captcha-refiner.ts) trained on
 * the fitted synthesiser's captchas against the dataset's own unlabelled-or-labelled images
 * (images only: no label is read), then every synthetic captcha replaced by its refined
 * version before the recogniser pretrains on them. Seeded end to end: a resumed run that
 * refines again gets the same captchas.
 */
import { tf, type Tensor } from '../engine/tf.ts';
import type { ImageSet } from '../data/image-set.ts';
import { buildCaptchaRefiner, buildRefinerCritic } from '../models/captcha-refiner.ts';
import { disposeNetwork } from '../models/network.ts';
import { Rng } from '../util/rng.ts';
import { createOptimizer } from './optimizers.ts';
import { refine, refinerCriticUpdate, refinerUpdate, type RefinerModel } from './refiner-steps.ts';

/** DCGAN's Adam (Radford et al. 2016) for both nets: the refiner's critic is a small DCGAN discriminator. */
const REFINER_ADAM = { kind: 'adam', learningRate: 2e-4, beta1: 0.5, beta2: 0.999, epsilon: 1e-8 } as const;
const BATCH = 16;
/** Refined captchas per inference batch. */
const REFINE_BATCH = 64;

export interface RefinerOptions {
  steps: number;
  seed: number;
  /** λ: weight of mean |refined − synthetic| against the adversarial term. */
  selfRegularisation: number;
  /** Called after each step with the losses then (for progress). */
  onStep?: (step: number, losses: { critic: number; adversarial: number; regularisation: number }) => void;
}

export interface RefinementReport {
  steps: number;
  seconds: number;
  /** Mean |refined − synthetic| over every synthetic captcha, ink in [0, 1]. */
  meanChange: number;
  /** The last step's losses. */
  critic: number;
  adversarial: number;
}

/** Captchas `ids` of `images` ([n, H, W], ink) as a batch [B, H, W, 1]. */
function batchOf(images: Float32Array, ids: number[], H: number, W: number): Tensor {
  const out = new Float32Array(ids.length * H * W);
  ids.forEach((id, b) => out.set(images.subarray(id * H * W, (id + 1) * H * W), b * H * W));
  return tf.tensor4d(out, [ids.length, H, W, 1]);
}

/**
 * Trains a refiner on `set.synthetic` against the set's captchas `realIds`, then replaces
 * `set.synthetic.images` by the refined ones. The set must have synthetic captchas.
 */
export async function refineSynthetic(set: ImageSet, realIds: number[], o: RefinerOptions): Promise<RefinementReport> {
  const synthetic = set.synthetic;
  if (!synthetic) throw new Error('refineSynthetic needs the fitted synthesiser\'s captchas');
  if (realIds.length === 0) throw new Error('refineSynthetic needs real captchas to learn their look');
  const { height: H, width: W } = set;
  const rng = new Rng(o.seed).fork('refiner');
  const refiner = buildCaptchaRefiner(rng.fork('init/refiner'), H, W);
  const critic = buildRefinerCritic(rng.fork('init/critic'), H, W);
  const m: RefinerModel = {
    refiner, critic, selfRegularisation: o.selfRegularisation,
    refinerOptimizer: createOptimizer(REFINER_ADAM, refiner.params), criticOptimizer: createOptimizer(REFINER_ADAM, critic.params),
  };
  const batches = rng.fork('batches');
  const t0 = performance.now();
  let last = { critic: NaN, adversarial: NaN, regularisation: NaN };
  try {
    for (let s = 1; s <= o.steps; s++) {
      const real = batchOf(set.images, Array.from({ length: BATCH }, () => realIds[batches.int(realIds.length)]!), H, W);
      const drawn = batchOf(synthetic.images, Array.from({ length: BATCH }, () => batches.int(synthetic.count)), H, W);
      try {
        const c = refinerCriticUpdate(m, real, drawn);
        const r = refinerUpdate(m, drawn);
        last = { critic: (await c.data())[0]!, adversarial: (await r.adversarial.data())[0]!, regularisation: (await r.regularisation.data())[0]! };
        tf.dispose([c, r.adversarial, r.regularisation]);
      } finally {
        tf.dispose([real, drawn]);
      }
      o.onStep?.(s, last);
    }
    const refined = new Float32Array(synthetic.images.length);
    let change = 0;
    for (let start = 0; start < synthetic.count; start += REFINE_BATCH) {
      const ids = Array.from({ length: Math.min(REFINE_BATCH, synthetic.count - start) }, (_, i) => start + i);
      const x = batchOf(synthetic.images, ids, H, W);
      const y = refine(refiner, x);
      const values = await y.data();
      tf.dispose([x, y]);
      refined.set(values as Float32Array, start * H * W);
      for (let p = 0; p < values.length; p++) change += Math.abs(values[p]! - synthetic.images[start * H * W + p]!);
    }
    set.synthetic = { ...synthetic, images: refined, description: `${synthetic.description}, refined by a SimGAN refiner (${o.steps} steps, λ ${o.selfRegularisation})` };
    return { steps: o.steps, seconds: (performance.now() - t0) / 1000, meanChange: change / refined.length, critic: last.critic, adversarial: last.adversarial };
  } finally {
    m.refinerOptimizer.dispose();
    m.criticOptimizer.dispose();
    disposeNetwork(refiner);
    disposeNetwork(critic);
  }
}
