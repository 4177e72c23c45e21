import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { tf, type Tensor2D } from '../../src-core/engine/tf.ts';
import { THESIS_ARCHITECTURE_OPTIONS, buildGan, type ArchitectureOptions, type GanArchitecture } from '../../src-core/models/gan-architectures.ts';
import { buildCaptchaRecognizer } from '../../src-core/models/captcha.ts';
import { disposeNetwork } from '../../src-core/models/network.ts';
import { clippedParams, type ClipPolicy } from '../../src-core/training/clipping.ts';
import { discriminatorStep, generatorStep, type GanModel } from '../../src-core/training/gan-steps.ts';
import { discriminatorLoss, generatorLoss, gradientPenalty, type GanLoss } from '../../src-core/training/losses.ts';
import { createOptimizer, type OptimizerConfig } from '../../src-core/training/optimizers.ts';
import { recognizerStep } from '../../src-core/training/recognizer-steps.ts';
import { Rng } from '../../src-core/util/rng.ts';
import { useBackend } from '../helpers.ts';

const ADAM: OptimizerConfig = { kind: 'adam', learningRate: 2e-4, beta1: 0.5, beta2: 0.999, epsilon: 1e-8 };
// Adam's steps are ≈ the rate whatever the gradient's scale: a few updates at 0.1 push
// weights far past the clip bound unless clipping works.
const FAST_ADAM: OptimizerConfig = { kind: 'adam', learningRate: 0.1, beta1: 0.5, beta2: 0.999, epsilon: 1e-8 };

function makeModel(arch: GanArchitecture, loss: GanLoss, clip: ClipPolicy, opts: Partial<ArchitectureOptions> = {}, opt = ADAM): GanModel {
  const pair = buildGan(arch, { ...THESIS_ARCHITECTURE_OPTIONS, discriminatorBatchNorm: loss !== 'wgan-gp', ...opts }, new Rng(11));
  return {
    discriminator: pair.discriminator, generator: pair.generator,
    dOptimizer: createOptimizer(opt, pair.discriminator.params), gOptimizer: createOptimizer(opt, pair.generator.params),
    loss, gpWeight: 10, clip: { policy: clip, value: 0.05 },
  };
}

function disposeModel(m: GanModel): void {
  m.dOptimizer.dispose();
  m.gOptimizer.dispose();
  disposeNetwork(m.discriminator);
  disposeNetwork(m.generator);
}

function inputs(batch: number, labels = false) {
  const real = tf.randomUniform([batch, 20, 20, 1], 0, 1, 'float32', 1);
  const noise = tf.randomUniform([batch, 128], -1, 1, 'float32', 2) as Tensor2D;
  const alpha = tf.randomUniform([batch, 1, 1, 1], 0, 1, 'float32', 3);
  const y = labels ? (tf.oneHot(tf.tensor1d(Array.from({ length: batch }, (_, i) => i % 32), 'int32'), 32).toFloat() as Tensor2D) : undefined;
  return { real, noise, alpha, labels: y, dispose: () => tf.dispose([real, noise, alpha, ...(y ? [y] : [])]) };
}

describe('losses', () => {
  before(() => useBackend('wasm'));
  it('the GAN loss is cross-entropy on logits (not on sigmoid outputs)', () => {
    const real = tf.tensor2d([[2], [-1]]);
    const fake = tf.tensor2d([[0.5], [-3]]);
    const sp = (x: number) => Math.log1p(Math.exp(x));
    const d = discriminatorLoss('gan', real, fake).total.dataSync()[0]!;
    assert.ok(Math.abs(d - ((sp(-2) + sp(1)) / 2 + (sp(0.5) + sp(-3)) / 2)) < 1e-6);
    assert.ok(Math.abs(generatorLoss('gan', fake).dataSync()[0]! - (sp(-0.5) + sp(3)) / 2) < 1e-6);
    const w = discriminatorLoss('wgan', real, fake);
    assert.ok(Math.abs(w.parts.wasserstein!.dataSync()[0]! - (0.5 - -1.25)) < 1e-6);
    assert.ok(Math.abs(discriminatorLoss('lsgan', real, fake).total.dataSync()[0]! - 0.5 * ((1 + 4) / 2 + (0.25 + 9) / 2)) < 1e-6);
  });
});

describe('weight clipping', () => {
  before(() => useBackend('wasm'));
  const maxAbs = (m: GanModel, policy: ClipPolicy, role: 'discriminator' | 'generator') =>
    Math.max(...clippedParams(policy, role, role === 'discriminator' ? m.discriminator : m.generator)
      .map((p) => tf.tidy(() => tf.max(tf.abs(p.variable)).dataSync()[0]!)));

  it('policy "all" keeps every critic variable in [−c, c] after every update, generator untouched', async () => {
    const m = makeModel('captcha-fc', 'wgan', 'all', {}, FAST_ADAM);
    const x = inputs(8);
    for (let i = 0; i < 4; i++) {
      await discriminatorStep(m, x);
      assert.ok(maxAbs(m, 'all', 'discriminator') <= 0.05 + 1e-7, `after D update ${i}`);
      await generatorStep(m, x.noise);
    }
    assert.equal(clippedParams('all', 'generator', m.generator).length, 0);
    const gMax = Math.max(...m.generator.params.map((p) => tf.tidy(() => tf.max(tf.abs(p.variable)).dataSync()[0]!)));
    assert.ok(gMax > 0.05, `generator weights stay unclipped (max ${gMax})`);
    x.dispose();
    disposeModel(m);
  });

  it('control: without clipping the same updates leave the bound (so the checks above can fail)', async () => {
    const m = makeModel('captcha-fc', 'wgan', 'none', {}, FAST_ADAM);
    const x = inputs(8);
    for (let i = 0; i < 4; i++) await discriminatorStep(m, x);
    assert.ok(maxAbs(m, 'all', 'discriminator') > 0.05);
    x.dispose();
    disposeModel(m);
  });

  it('policy "selective" clips only D fc weights and G fc + deconv weights (SPEC §6)', async () => {
    const m = makeModel('captcha-dcgan-smoothing', 'wgan', 'selective', {}, FAST_ADAM);
    const dKinds = new Set(clippedParams('selective', 'discriminator', m.discriminator).map((p) => p.kind));
    const gKinds = new Set(clippedParams('selective', 'generator', m.generator).map((p) => p.kind));
    assert.deepEqual([...dKinds], ['dense-kernel']);
    assert.deepEqual([...gKinds].sort(), ['deconv-kernel', 'dense-kernel']);
    const x = inputs(8);
    for (let i = 0; i < 3; i++) {
      await discriminatorStep(m, x);
      await generatorStep(m, x.noise);
      assert.ok(maxAbs(m, 'selective', 'discriminator') <= 0.05 + 1e-7);
      assert.ok(maxAbs(m, 'selective', 'generator') <= 0.05 + 1e-7);
    }
    const convMax = tf.tidy(() => tf.max(tf.abs(m.discriminator.params.find((p) => p.kind === 'conv-kernel')!.variable)).dataSync()[0]!);
    assert.ok(convMax > 0.05, `conv kernels are not clipped (max ${convMax})`);
    x.dispose();
    disposeModel(m);
  });
});

describe('weight clipping: what "all" and "weights" touch', () => {
  before(() => useBackend('wasm'));

  it('"weights" clips every critic kernel but not biases or batch-norm γ/β; "all" clips those too', async () => {
    const m = makeModel('captcha-dcgan', 'wgan', 'weights', { biases: true, batchNormKind: 'learnable' }, FAST_ADAM);
    assert.deepEqual([...new Set(clippedParams('weights', 'discriminator', m.discriminator).map((p) => p.kind))].sort(), ['conv-kernel', 'dense-kernel']);
    assert.deepEqual(clippedParams('weights', 'generator', m.generator), []);
    assert.deepEqual([...new Set(clippedParams('all', 'discriminator', m.discriminator).map((p) => p.kind))].sort(),
      ['bn-beta', 'bn-gamma', 'conv-bias', 'conv-kernel', 'dense-bias', 'dense-kernel']);
    const x = inputs(8);
    await discriminatorStep(m, x);
    const gamma = tf.tidy(() => tf.max(m.discriminator.params.find((p) => p.kind === 'bn-gamma')!.variable).dataSync()[0]!);
    assert.ok(gamma > 0.05, `γ is left alone (max ${gamma})`);
    for (const p of clippedParams('weights', 'discriminator', m.discriminator)) {
      assert.ok(tf.tidy(() => tf.max(tf.abs(p.variable)).dataSync()[0]!) <= 0.05 + 1e-7, p.name);
    }
    x.dispose();
    disposeModel(m);
  });
});

describe('gradient penalty', () => {
  before(() => useBackend('cpu'));
  it('matches a finite-difference estimate on a tiny critic (value and weight gradient)', () => {
    // Critic f(x) = sum(tanh(x·W)) with W [3, 2]: small enough for central differences in float32.
    const w0 = [0.3, -0.7, 0.5, 0.2, -0.4, 0.9];
    const xhat = tf.tensor2d([[0.1, 0.5, -0.3], [0.7, -0.2, 0.4]]);
    const penalty = (w: tf.Tensor) => gradientPenalty((x) => tf.sum(tf.tanh(tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D)), 1, true), xhat, 10);
    // Closed form of the penalty with the input gradient computed by hand.
    const manual = (wv: number[]) => {
      const rows = [[0.1, 0.5, -0.3], [0.7, -0.2, 0.4]];
      let total = 0;
      for (const r of rows) {
        const grad = [0, 0, 0];
        for (let j = 0; j < 2; j++) {
          const a = r.reduce((s, v, i) => s + v * wv[i * 2 + j]!, 0);
          const d = 1 - Math.tanh(a) ** 2;
          for (let i = 0; i < 3; i++) grad[i]! += d * wv[i * 2 + j]!;
        }
        total += (Math.hypot(...grad) - 1) ** 2;
      }
      return (10 * total) / rows.length;
    };
    const w = tf.tensor2d(w0, [3, 2]);
    assert.ok(Math.abs(penalty(w).dataSync()[0]! - manual(w0)) < 1e-4);
    // Second order: d penalty / dW by autodiff vs central differences of the closed form.
    const auto = tf.grad(penalty)(w).dataSync();
    const h = 1e-3;
    for (let k = 0; k < w0.length; k++) {
      const up = [...w0];
      const down = [...w0];
      up[k]! += h;
      down[k]! -= h;
      const fd = (manual(up) - manual(down)) / (2 * h);
      assert.ok(Math.abs(auto[k]! - fd) < 1e-3 * Math.max(1, Math.abs(fd)), `dGP/dW[${k}]: autodiff ${auto[k]} vs finite difference ${fd}`);
    }
  });

  it('takes the norm over every non-batch axis of image inputs', () => {
    // f(x) = sum(x · c) has input gradient c everywhere, so ‖∇‖ = |c|·√(H·W·C) per sample.
    const x = tf.zeros([2, 4, 4, 2]);
    const gp = gradientPenalty((v) => tf.sum(tf.mul(v, 0.5), [1, 2, 3]), x, 1).dataSync()[0]!;
    assert.ok(Math.abs(gp - (0.5 * Math.sqrt(32) - 1) ** 2) < 1e-5);
  });
});

describe('training steps do not leak tensors', () => {
  const cases: [string, GanArchitecture, GanLoss, ClipPolicy, boolean][] = [
    ['DCGAN', 'captcha-dcgan', 'gan', 'none', false],
    ['WDCGAN', 'captcha-dcgan', 'wgan', 'all', false],
    ['WDCGAN_update', 'captcha-dcgan-smoothing', 'wgan', 'selective', false],
    ['WDCGAN_label', 'captcha-dcgan', 'wgan', 'all', true],
    ['WGAN-GP', 'captcha-dcgan', 'wgan-gp', 'none', false],
    ['FC WGAN-GP', 'captcha-fc', 'wgan-gp', 'none', false],
    ['FC LSGAN', 'captcha-fc', 'lsgan', 'none', false],
  ];
  for (const backend of ['wasm', 'cpu'] as const) {
    for (const [name, arch, loss, clip, labels] of cases) {
      if (backend === 'cpu' && arch !== 'captcha-fc') continue; // conv nets on cpu: the wasm run covers them
      it(`${name} on ${backend}: D and G steps leave tf.memory().numTensors unchanged`, async () => {
        await useBackend(backend);
        const m = makeModel(arch, loss, clip, { labelConditioned: labels });
        const x = inputs(4, labels);
        const before = tf.memory().numTensors;
        const d = await discriminatorStep(m, x);
        const g = await generatorStep(m, x.noise, x.labels);
        assert.equal(tf.memory().numTensors, before);
        assert.ok(Number.isFinite(d.d!) && Number.isFinite(g.g!));
        if (loss === 'wgan-gp') assert.ok(d.gp! > 0);
        x.dispose();
        disposeModel(m);
      });
    }
  }
  it('an optimiser\'s lowered learning rate scales its steps (Adam\'s first step is ≈ the rate, whatever the gradient)', async () => {
    await useBackend('wasm');
    const step = async (rate: number | null) => {
      const net = buildCaptchaRecognizer(new Rng(1));
      const opt = createOptimizer(ADAM, net.params);
      if (rate !== null) opt.learningRate = rate;
      const p = net.params.find((q) => q.trainable)!;
      const before = p.variable.dataSync().slice();
      const x = tf.randomUniform([8, 20, 20, 1], 0, 1, 'float32', 4);
      const y = tf.oneHot(tf.tensor1d([0, 1, 2, 3, 4, 5, 6, 7], 'int32'), 32).toFloat() as Tensor2D;
      await recognizerStep(net, opt, x, y);
      const moved = Math.max(...Array.from(p.variable.dataSync(), (v, i) => Math.abs(v - before[i]!)));
      tf.dispose([x, y]);
      opt.dispose();
      disposeNetwork(net);
      return moved;
    };
    const full = await step(null);
    const half = await step(ADAM.learningRate / 2);
    assert.ok(Math.abs(full - ADAM.learningRate) < 1e-2 * ADAM.learningRate, `first step ${full}`);
    assert.ok(Math.abs(half / full - 0.5) < 1e-3, `halved rate: ${half} against ${full}`);
  });

  it('the recogniser step leaves tf.memory().numTensors unchanged', async () => {
    await useBackend('wasm');
    const net = buildCaptchaRecognizer(new Rng(1));
    const opt = createOptimizer(ADAM, net.params);
    const x = tf.randomUniform([8, 20, 20, 1]);
    const y = tf.oneHot(tf.tensor1d([0, 1, 2, 3, 4, 5, 6, 7], 'int32'), 32).toFloat() as Tensor2D;
    const before = tf.memory().numTensors;
    const r = await recognizerStep(net, opt, x, y);
    assert.equal(tf.memory().numTensors, before);
    assert.ok(r.loss > 0 && r.accuracy >= 0 && r.accuracy <= 1);
    tf.dispose([x, y]);
    opt.dispose();
    disposeNetwork(net);
  });
});
