import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { tf } from '../../src-core/engine/tf.ts';
import { buildCaptchaRecognizer, CAPTCHA_CLASSES } from '../../src-core/models/captcha.ts';
import { buildGan, GAN_ARCHITECTURES, THESIS_ARCHITECTURE_OPTIONS, type ArchitectureOptions, type GanArchitecture } from '../../src-core/models/gan-architectures.ts';
import {
  BATCHNORMALIZE_EPSILON, ParamBuilder, batchNormalize, concatLabels, dense, flatten, lrelu, sequential,
} from '../../src-core/models/layers.ts';
import { countParams, disposeNetwork, type Network } from '../../src-core/models/network.ts';
import { Rng } from '../../src-core/util/rng.ts';
import { useBackend } from '../helpers.ts';

/**
 * Trainable parameter counts worked out by hand from SPEC. The thesis's captcha DCGAN
 * (SPEC §3): no biases, parameter-free batch norm, so D is conv 5·5·1·64 = 1,600;
 * conv 5·5·64·128 = 204,800; fc 3200·1024 = 3,276,800; fc 1024·1 = 1,024 → 3,484,224,
 * and G is fc 128·1024 = 131,072; fc 1024·3200 = 3,276,800; deconv 5·5·64·128 = 204,800;
 * deconv 5·5·1·64 = 1,600 → 3,614,272. Labels (32) joined before D's fc 1024 add 32·1024
 * there, and 32·1024 to G's first fc. With biases and learnable BN (γ, β) the counts are
 * those of the nets before versioning (e.g. D 3,487,489 = 3,484,224 + 64 + 128 + 1,024 + 1 + 2·1,024).
 */
const LEGACY: Partial<ArchitectureOptions> = { biases: true, batchNormKind: 'learnable' };
const LABELS = { labelConditioned: true } as const;
const EXPECTED: { arch: GanArchitecture; opts: Partial<ArchitectureOptions>; d: number; g: number; dOut: number[]; gOut: number[] }[] = [
  { arch: 'captcha-dcgan', opts: {}, d: 3_484_224, g: 3_614_272, dOut: [1], gOut: [20, 20, 1] },
  { arch: 'captcha-dcgan', opts: { discriminatorBatchNorm: false }, d: 3_484_224, g: 3_614_272, dOut: [1], gOut: [20, 20, 1] },
  { arch: 'captcha-dcgan', opts: LEGACY, d: 3_487_489, g: 3_627_137, dOut: [1], gOut: [20, 20, 1] },
  { arch: 'captcha-dcgan', opts: { ...LEGACY, discriminatorBatchNorm: false }, d: 3_485_441, g: 3_627_137, dOut: [1], gOut: [20, 20, 1] },
  // Labels before fc 1024: (3200 + 32)·1024 = 3,309,568; G's fc (128 + 32)·1024 = 163,840.
  { arch: 'captcha-dcgan', opts: LABELS, d: 3_516_992, g: 3_647_040, dOut: [1], gOut: [20, 20, 1] },
  // Every layer: D conv 5·5·33·64 = 52,800, conv 5·5·96·128 = 307,200, fc 3,309,568, fc 1,056;
  // G fc 163,840, fc 1056·3200 = 3,379,200, deconv 5·5·64·160 = 256,000, deconv 5·5·1·96 = 2,400.
  { arch: 'captcha-dcgan', opts: { ...LABELS, labelJoin: 'every-layer' }, d: 3_670_624, g: 3_801_440, dOut: [1], gOut: [20, 20, 1] },
  // Projection: the unconditioned D plus the label embedding 32·1024; G as with 'features'.
  { arch: 'captcha-dcgan', opts: { ...LABELS, labelJoin: 'projection' }, d: 3_484_224 + 32_768, g: 3_647_040, dOut: [1], gOut: [20, 20, 1] },
  // Smoothing tail: deconv 5·5·16·64 = 25,600, conv 5·5·16·1 = 400 instead of deconv 1,600.
  { arch: 'captcha-dcgan-smoothing', opts: {}, d: 3_484_224, g: 3_638_672, dOut: [1], gOut: [20, 20, 1] },
  { arch: 'captcha-dcgan-smoothing', opts: LABELS, d: 3_516_992, g: 3_638_672 + 32 * 1024, dOut: [1], gOut: [20, 20, 1] },
  { arch: 'captcha-dcgan-smoothing', opts: LEGACY, d: 3_487_489, g: 3_651_553, dOut: [1], gOut: [20, 20, 1] },
  // SPEC §4's FC nets add biases: 400·500 + 500 + 500 + 1 = 201,001; 128·500 + 500 + 500·400 + 400 = 264,900.
  { arch: 'captcha-fc', opts: { biases: true }, d: 201_001, g: 264_900, dOut: [1], gOut: [20, 20, 1] },
  { arch: 'captcha-fc', opts: {}, d: 200_500, g: 264_000, dOut: [1], gOut: [20, 20, 1] },
  { arch: 'celeba-dcgan', opts: { ...LEGACY, imageSize: 128 }, d: 1_094_849, g: 3_191_811, dOut: [1], gOut: [128, 128, 3] },
  { arch: 'celeba-dcgan', opts: { ...LEGACY, imageSize: 64 }, d: 1_082_561, g: 1_606_659, dOut: [1], gOut: [64, 64, 3] },
  { arch: 'celeba-dcgan', opts: { ...LEGACY, imageSize: 64, discriminatorBatchNorm: false }, d: 1_082_561 - 384, g: 1_606_659, dOut: [1], gOut: [64, 64, 3] },
  { arch: 'celeba-dcgan-smoothing', opts: { ...LEGACY, imageSize: 128 }, d: 1_094_849, g: 3_203_427, dOut: [1], gOut: [128, 128, 3] },
  { arch: 'celeba-dcgan-smoothing', opts: { ...LEGACY, imageSize: 64 }, d: 1_082_561, g: 1_606_659 - 2_403 + 12_816 + 1_203, dOut: [1], gOut: [64, 64, 3] },
  { arch: 'celeba-fc', opts: { ...LEGACY, imageSize: 128 }, d: 50_333_697, g: 50_512_896, dOut: [1], gOut: [128, 128, 3] },
  { arch: 'celeba-fc', opts: { ...LEGACY, imageSize: 64 }, d: 12_584_961, g: 12_727_296, dOut: [1], gOut: [64, 64, 3] },
  { arch: 'celeba-fc-conv', opts: { ...LEGACY, imageSize: 128 }, d: 50_333_697, g: 50_513_124, dOut: [1], gOut: [128, 128, 3] },
  { arch: 'celeba-fc-conv', opts: { ...LEGACY, imageSize: 64 }, d: 12_584_961, g: 12_727_524, dOut: [1], gOut: [64, 64, 3] },
  { arch: 'celeba-fc-deconv', opts: { ...LEGACY, imageSize: 128 }, d: 50_333_697, g: 533_811, dOut: [1], gOut: [128, 128, 3] },
  { arch: 'celeba-fc-deconv', opts: { ...LEGACY, imageSize: 64 }, d: 12_584_961, g: 137_523, dOut: [1], gOut: [64, 64, 3] },
];

const DEFAULTS: ArchitectureOptions = THESIS_ARCHITECTURE_OPTIONS;

function outputShape(net: Network, batch: number, labels?: tf.Tensor2D): number[] {
  return tf.tidy(() => net.apply(tf.zeros([batch, ...net.inputShape]), { training: true, labels }).shape);
}

describe('thesis networks: parameter counts and output shapes', () => {
  before(() => useBackend('wasm'));

  it('the recogniser has 142,102 parameters and outputs 32 logits', () => {
    const net = buildCaptchaRecognizer(new Rng(1));
    // conv 520 + conv 25,050 + fc 100,500 + fc 16,032
    assert.equal(countParams(net), 142_102);
    assert.deepEqual(outputShape(net, 3), [3, CAPTCHA_CLASSES]);
    assert.deepEqual(tf.tidy(() => net.penultimate(tf.zeros([3, 20, 20, 1]), { training: false }).shape), [3, 500]);
    disposeNetwork(net);
  });

  // The 128² fully-connected face nets hold 50 M parameters each (seconds to initialise): their code
  // is the 64² nets' with a larger size, so they run with GWB_LONG_TESTS=1 only.
  const long = process.env.GWB_LONG_TESTS === '1';
  for (const e of EXPECTED.filter((x) => long || !(x.arch.startsWith('celeba-fc') && x.opts.imageSize === 128))) {
    const opts = { ...DEFAULTS, ...e.opts };
    it(`${e.arch} ${JSON.stringify(e.opts)}: D ${e.d.toLocaleString('en')} / G ${e.g.toLocaleString('en')} parameters`, () => {
      const { discriminator: D, generator: G } = buildGan(e.arch, opts, new Rng(7));
      assert.equal(countParams(D), e.d, 'discriminator');
      assert.equal(countParams(G), e.g, 'generator');
      const labels = opts.labelConditioned ? tf.oneHot(tf.tensor1d([1, 2], 'int32'), CAPTCHA_CLASSES).toFloat() as tf.Tensor2D : undefined;
      assert.deepEqual(outputShape(G, 2, labels), [2, ...e.gOut]);
      assert.deepEqual(outputShape(D, 2, labels), [2, ...e.dOut]);
      labels?.dispose();
      disposeNetwork(D);
      disposeNetwork(G);
    });
  }

  it('covers every architecture', () => {
    assert.deepEqual(new Set(EXPECTED.map((e) => e.arch)), new Set(GAN_ARCHITECTURES));
  });

  it('the same seed builds the same weights; another seed does not', () => {
    const a = buildGan('captcha-fc', DEFAULTS, new Rng(3));
    const b = buildGan('captcha-fc', DEFAULTS, new Rng(3));
    const c = buildGan('captcha-fc', DEFAULTS, new Rng(4));
    const w = (n: Network) => Array.from(n.params[0]!.variable.dataSync().slice(0, 8));
    assert.deepEqual(w(a.generator), w(b.generator));
    assert.notDeepEqual(w(a.generator), w(c.generator));
    for (const p of [a, b, c]) {
      disposeNetwork(p.discriminator);
      disposeNetwork(p.generator);
    }
  });

  it('building and disposing a pair leaves no tensor or byte behind (the initial values are not held)', () => {
    const before = tf.memory();
    const pair = buildGan('captcha-dcgan', DEFAULTS, new Rng(5));
    disposeNetwork(pair.discriminator);
    disposeNetwork(pair.generator);
    assert.equal(tf.memory().numTensors, before.numTensors);
    assert.equal(tf.memory().numBytes, before.numBytes);
  });

  it('generators output images in [0, 1] (sigmoid tail)', () => {
    const { discriminator, generator } = buildGan('captcha-dcgan-smoothing', DEFAULTS, new Rng(5));
    const [lo, hi] = tf.tidy(() => {
      const y = generator.apply(tf.randomUniform([4, 128], -1, 1), { training: false });
      return [tf.min(y).dataSync()[0]!, tf.max(y).dataSync()[0]!];
    });
    assert.ok(lo! >= 0 && hi! <= 1);
    disposeNetwork(discriminator);
    disposeNetwork(generator);
  });

  it('label conditioning is refused for nets that do not define it', () => {
    assert.throws(() => buildGan('captcha-fc', { ...DEFAULTS, labelConditioned: true }, new Rng(1)), /captcha DCGAN/);
  });

  it('the captcha DCGAN nets as the thesis wrote them have no bias and no batch-norm parameter', () => {
    const { discriminator: D, generator: G } = buildGan('captcha-dcgan', DEFAULTS, new Rng(2));
    const kinds = new Set([...D.params, ...G.params].map((p) => p.kind));
    assert.deepEqual([...kinds].sort(), ['conv-kernel', 'deconv-kernel', 'dense-kernel']);
    disposeNetwork(D);
    disposeNetwork(G);
  });
});

/** D(x, y) for a batch of images and one label class each. */
function critic(D: Network, x: tf.Tensor, classes: number[]): Float32Array {
  return tf.tidy(() => {
    const labels = tf.oneHot(tf.tensor1d(classes, 'int32'), CAPTCHA_CLASSES).toFloat() as tf.Tensor2D;
    return D.apply(x, { training: false, labels }).dataSync() as Float32Array;
  });
}

describe('label conditioning (SPEC §7): D judges whether an image matches its label', () => {
  before(() => useBackend('wasm'));

  // Two images, each under labels a and b. A label joined after D's last non-linearity adds a
  // constant per class, so D(x1,a) − D(x1,b) = D(x2,a) − D(x2,b) exactly; joined before a
  // non-linear layer (or projected onto the features) the difference depends on the image.
  const interaction = (opts: Partial<ArchitectureOptions>) => {
    const D = buildGan('captcha-dcgan', { ...DEFAULTS, ...opts, labelConditioned: true, discriminatorBatchNorm: false }, new Rng(21)).discriminator;
    const x = tf.tidy(() => tf.concat([tf.randomUniform([1, 20, 20, 1], 0, 1, 'float32', 1), tf.randomUniform([1, 20, 20, 1], 0, 1, 'float32', 2)]));
    const underA = critic(D, x, [3, 3]);
    const underB = critic(D, x, [17, 17]);
    x.dispose();
    disposeNetwork(D);
    return Math.abs((underA[0]! - underB[0]!) - (underA[1]! - underB[1]!));
  };

  for (const labelJoin of ['features', 'every-layer', 'projection'] as const) {
    it(`${labelJoin}: D(x1,a) − D(x1,b) ≠ D(x2,a) − D(x2,b)`, () => {
      assert.ok(interaction({ labelJoin }) > 1e-4, `the label's effect does not depend on the image (${labelJoin})`);
    });
  }

  it('control: a label joined only before the last linear unit gives exactly equal differences', () => {
    // The old wiring, rebuilt here from layers: D(x, y) = w·h(x) + v·y.
    const rng = new Rng(21);
    const pb = new ParamBuilder(rng);
    const h = dense(pb, 'fc1', 400, 64);
    const out = dense(pb, 'fc2', 64 + CAPTCHA_CLASSES, 1);
    const D = sequential('late-join', pb, [20, 20, 1], [1], [flatten, h, lrelu, concatLabels, out], CAPTCHA_CLASSES);
    const x = tf.tidy(() => tf.concat([tf.randomUniform([1, 20, 20, 1], 0, 1, 'float32', 1), tf.randomUniform([1, 20, 20, 1], 0, 1, 'float32', 2)]));
    const a = critic(D, x, [3, 3]);
    const b = critic(D, x, [17, 17]);
    x.dispose();
    disposeNetwork(D);
    assert.ok(Math.abs((a[0]! - b[0]!) - (a[1]! - b[1]!)) < 1e-6);
  });
});

describe("the thesis's parameter-free batch norm (`batchnormalize`)", () => {
  before(() => useBackend('wasm'));

  it('equals (x − mean) / √(var + 1e-8) over every axis but the last, in training and at sampling', () => {
    const x = tf.randomNormal([6, 3, 3, 5], 2, 3, 'float32', 4);
    const values = x.arraySync() as number[][][][];
    const expected = new Float64Array(x.size);
    for (let c = 0; c < 5; c++) {
      const col: number[] = [];
      values.forEach((a) => a.forEach((r) => r.forEach((v) => col.push(v[c]!))));
      const mean = col.reduce((s, v) => s + v, 0) / col.length;
      const variance = col.reduce((s, v) => s + (v - mean) ** 2, 0) / col.length;
      let i = 0;
      values.forEach((a) => a.forEach((r) => r.forEach((v) => {
        expected[i * 5 + c] = (v[c]! - mean) / Math.sqrt(variance + BATCHNORMALIZE_EPSILON);
        i += 1;
      })));
    }
    for (const training of [true, false]) {
      const y = tf.tidy(() => batchNormalize(x, { training }).dataSync() as Float32Array);
      y.forEach((v, i) => assert.ok(Math.abs(v - expected[i]!) < 1e-4, `${training ? 'training' : 'sampling'}: ${v} vs ${expected[i]}`));
    }
    x.dispose();
  });

  it('its gradient is that of the formula (against tf ops)', () => {
    const x = tf.randomNormal([8, 16], 0, 2, 'float32', 5);
    const w = tf.randomNormal([8, 16], 0, 1, 'float32', 6);
    const viaLayer = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(batchNormalize(t, { training: true }), w)))(x).dataSync();
    const viaOps = tf.grad((t: tf.Tensor) => {
      const { mean, variance } = tf.moments(t, [0]);
      return tf.sum(tf.mul(tf.div(tf.sub(t, mean), tf.sqrt(tf.add(variance, BATCHNORMALIZE_EPSILON))), w));
    })(x).dataSync();
    viaLayer.forEach((v, i) => assert.ok(Math.abs(v - viaOps[i]!) < 1e-4, `${v} vs ${viaOps[i]}`));
    tf.dispose([x, w]);
  });
});

