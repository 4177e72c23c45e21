import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { tf } from '../../src-core/engine/tf.ts';
import { buildCaptchaRecognizer, CAPTCHA_CLASSES } from '../../src-core/models/captcha.ts';
import { buildGan, GAN_ARCHITECTURES, type ArchitectureOptions, type GanArchitecture } from '../../src-core/models/gan-architectures.ts';
import { countParams, disposeNetwork, type Network } from '../../src-core/models/network.ts';
import { Rng } from '../../src-core/util/rng.ts';
import { useBackend } from '../helpers.ts';

/**
 * Trainable parameter counts worked out by hand from SPEC (weights + biases, BN γ and β):
 * e.g. the captcha D is conv 5·5·1·64+64 = 1,664; conv 5·5·64·128+128 = 204,928;
 * fc 3200·1024+1024 = 3,277,824; BN 2·1024 = 2,048; fc 1024+1 = 1,025 → 3,487,489.
 */
const EXPECTED: { arch: GanArchitecture; opts: Partial<ArchitectureOptions>; d: number; g: number; dOut: number[]; gOut: number[] }[] = [
  { arch: 'captcha-dcgan', opts: {}, d: 3_487_489, g: 3_627_137, dOut: [1], gOut: [20, 20, 1] },
  { arch: 'captcha-dcgan', opts: { discriminatorBatchNorm: false }, d: 3_485_441, g: 3_627_137, dOut: [1], gOut: [20, 20, 1] },
  { arch: 'captcha-dcgan', opts: { labelConditioned: true }, d: 3_487_521, g: 3_659_905, dOut: [1], gOut: [20, 20, 1] },
  { arch: 'captcha-dcgan-smoothing', opts: {}, d: 3_487_489, g: 3_651_553, dOut: [1], gOut: [20, 20, 1] },
  { arch: 'captcha-dcgan-smoothing', opts: { labelConditioned: true }, d: 3_487_521, g: 3_651_553 + 32 * 1024, dOut: [1], gOut: [20, 20, 1] },
  { arch: 'captcha-fc', opts: {}, d: 201_001, g: 264_900, dOut: [1], gOut: [20, 20, 1] },
  { arch: 'celeba-dcgan', opts: { imageSize: 128 }, d: 1_094_849, g: 3_191_811, dOut: [1], gOut: [128, 128, 3] },
  { arch: 'celeba-dcgan', opts: { imageSize: 64 }, d: 1_082_561, g: 1_606_659, dOut: [1], gOut: [64, 64, 3] },
  { arch: 'celeba-dcgan', opts: { imageSize: 64, discriminatorBatchNorm: false }, d: 1_082_561 - 384, g: 1_606_659, dOut: [1], gOut: [64, 64, 3] },
  { arch: 'celeba-dcgan-smoothing', opts: { imageSize: 128 }, d: 1_094_849, g: 3_203_427, dOut: [1], gOut: [128, 128, 3] },
  { arch: 'celeba-dcgan-smoothing', opts: { imageSize: 64 }, d: 1_082_561, g: 1_606_659 - 2_403 + 12_816 + 1_203, dOut: [1], gOut: [64, 64, 3] },
  { arch: 'celeba-fc', opts: { imageSize: 128 }, d: 50_333_697, g: 50_512_896, dOut: [1], gOut: [128, 128, 3] },
  { arch: 'celeba-fc', opts: { imageSize: 64 }, d: 12_584_961, g: 12_727_296, dOut: [1], gOut: [64, 64, 3] },
  { arch: 'celeba-fc-conv', opts: { imageSize: 128 }, d: 50_333_697, g: 50_513_124, dOut: [1], gOut: [128, 128, 3] },
  { arch: 'celeba-fc-conv', opts: { imageSize: 64 }, d: 12_584_961, g: 12_727_524, dOut: [1], gOut: [64, 64, 3] },
  { arch: 'celeba-fc-deconv', opts: { imageSize: 128 }, d: 50_333_697, g: 533_811, dOut: [1], gOut: [128, 128, 3] },
  { arch: 'celeba-fc-deconv', opts: { imageSize: 64 }, d: 12_584_961, g: 137_523, dOut: [1], gOut: [64, 64, 3] },
];

const DEFAULTS: ArchitectureOptions = { discriminatorBatchNorm: true, labelConditioned: false, imageSize: 64 };

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

  for (const e of EXPECTED) {
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
});
