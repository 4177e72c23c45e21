import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ImageSet } from '../../src-core/data/image-set.ts';
import { tf } from '../../src-core/engine/tf.ts';
import { buildCaptchaRefiner, buildRefinerCritic } from '../../src-core/models/captcha-refiner.ts';
import { disposeNetwork } from '../../src-core/models/network.ts';
import { createOptimizer } from '../../src-core/training/optimizers.ts';
import { refineSynthetic } from '../../src-core/training/refine-synthetic.ts';
import { refine, refinerCriticUpdate, refinerUpdate, type RefinerModel } from '../../src-core/training/refiner-steps.ts';
import { Rng } from '../../src-core/util/rng.ts';
import { useBackend } from '../helpers.ts';

const H = 10;
const W = 20;

/** 12 "real" captchas with a thin bar of ink and 12 synthetic ones with a thick block, both at [H, W] (ink in [0, 1]). */
function twoLooks(): ImageSet {
  const n = 12;
  const images = new Float32Array(n * H * W);
  const synth = new Float32Array(n * H * W);
  for (let i = 0; i < n; i++) {
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
      if (y === 5 && x > 2 && x < 17) images[i * H * W + y * W + x] = 1;
      if (y >= 3 && y < 8 && x > 2 && x < 17) synth[i * H * W + y * W + x] = 1;
    }
  }
  return {
    images, count: n, height: H, width: W, channels: 1, labels: null, classes: 2, description: 'two looks', skipped: [],
    sequences: Array.from({ length: n }, () => new Int32Array(0)),
    synthetic: { images: synth, count: n, sequences: Array.from({ length: n }, () => Int32Array.from([0, 1])), description: 'blocks' },
  };
}

const ADAM = { kind: 'adam', learningRate: 2e-3, beta1: 0.5, beta2: 0.999, epsilon: 1e-8 } as const;

describe('the synthetic-captcha refiner (SimGAN)', () => {
  it('builds a refiner that keeps the captcha\'s size and starts near the identity, and a critic with one logit per 4 × 4 patch', async () => {
    await useBackend('wasm');
    const refiner = buildCaptchaRefiner(new Rng(1), H, W);
    const critic = buildRefinerCritic(new Rng(2), H, W);
    const x = tf.tensor4d(twoLooks().synthetic!.images.subarray(0, 2 * H * W), [2, H, W, 1]);
    const y = refine(refiner, x);
    const logits = tf.tidy(() => critic.apply(x, { training: false }));
    assert.deepEqual(y.shape, [2, H, W, 1]);
    assert.deepEqual(logits.shape, [2, Math.ceil(H / 4), Math.ceil(W / 4), 1]);
    assert.deepEqual(critic.outputShape, logits.shape.slice(1));
    const change = tf.tidy(() => tf.max(tf.abs(tf.sub(y, x))).dataSync()[0]!);
    assert.ok(change < 0.02, `an untrained refiner changes a binary captcha by ${change}`);
    tf.dispose([x, y, logits]);
    disposeNetwork(refiner);
    disposeNetwork(critic);
  });

  it('each update is leak-free, and only its own network moves', async () => {
    await useBackend('wasm');
    const refiner = buildCaptchaRefiner(new Rng(1), H, W);
    const critic = buildRefinerCritic(new Rng(2), H, W);
    const m: RefinerModel = { refiner, critic, selfRegularisation: 1, refinerOptimizer: createOptimizer(ADAM, refiner.params), criticOptimizer: createOptimizer(ADAM, critic.params) };
    const set = twoLooks();
    const real = tf.tensor4d(set.images.subarray(0, 4 * H * W), [4, H, W, 1]);
    const synth = tf.tensor4d(set.synthetic!.images.subarray(0, 4 * H * W), [4, H, W, 1]);
    const snapshot = (net: typeof refiner) => net.params.map((p) => Array.from(p.variable.dataSync()));
    // The first step creates the optimisers' slots; count after it.
    tf.dispose([refinerCriticUpdate(m, real, synth), ...Object.values(refinerUpdate(m, synth))]);
    const before = tf.memory().numTensors;
    const [r0, c0] = [snapshot(refiner), snapshot(critic)];
    const c = refinerCriticUpdate(m, real, synth);
    assert.deepEqual(snapshot(refiner), r0, 'the critic\'s step leaves the refiner alone');
    const r = refinerUpdate(m, synth);
    const c1 = snapshot(critic);
    assert.notDeepEqual(c1, c0, 'the critic moved');
    assert.notDeepEqual(snapshot(refiner), r0, 'the refiner moved');
    assert.ok(Number.isFinite(c.dataSync()[0]!) && Number.isFinite(r.adversarial.dataSync()[0]!) && r.regularisation.dataSync()[0]! >= 0);
    tf.dispose([c, r.adversarial, r.regularisation]);
    assert.equal(tf.memory().numTensors, before, 'no tensor outlives an update');
    tf.dispose([real, synth]);
    m.refinerOptimizer.dispose();
    m.criticOptimizer.dispose();
    disposeNetwork(refiner);
    disposeNetwork(critic);
  });

  it('refining moves the synthetic captchas towards the real ones\' look, the same way for the same seed, and keeps their texts', async () => {
    await useBackend('wasm');
    const inkOf = (images: Float32Array) => images.reduce((a, b) => a + b, 0) / images.length;
    const before = tf.memory().numTensors;
    const a = twoLooks();
    const drawn = a.synthetic!.images;
    // No self-regularisation: only the critic pulls, so the thick blocks must thin towards the real bars.
    const report = await refineSynthetic(a, Array.from({ length: a.count }, (_, i) => i), { steps: 40, seed: 3, selfRegularisation: 0 });
    assert.equal(tf.memory().numTensors, before, 'refining leaves no tensors behind');
    assert.equal(report.steps, 40);
    assert.ok(inkOf(a.synthetic!.images) < inkOf(drawn) - 0.02, `ink ${inkOf(drawn).toFixed(3)} → ${inkOf(a.synthetic!.images).toFixed(3)}: the refined blocks should thin towards the real bars (${inkOf(a.images).toFixed(3)})`);
    assert.ok(report.meanChange > 0.02);
    assert.match(a.synthetic!.description, /^blocks, refined by a SimGAN refiner \(40 steps, λ 0\)$/);
    assert.deepEqual(a.synthetic!.sequences, twoLooks().synthetic!.sequences, 'the texts are the synthesiser\'s');
    const b = twoLooks();
    await refineSynthetic(b, Array.from({ length: b.count }, (_, i) => i), { steps: 40, seed: 3, selfRegularisation: 0 });
    assert.deepEqual(b.synthetic!.images, a.synthetic!.images, 'seeded: the same refined captchas');
    await assert.rejects(refineSynthetic({ ...twoLooks(), synthetic: undefined }, [0], { steps: 1, seed: 0, selfRegularisation: 1 }), /needs the fitted synthesiser/);
  });
});
