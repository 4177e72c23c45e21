import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { tf } from '../../src-core/engine/tf.ts';
import { buildCaptchaRecognizer } from '../../src-core/models/captcha.ts';
import { disposeNetwork } from '../../src-core/models/network.ts';
import { featureStats, frechetFromStats, recognizerOutputs, scoresFromProbabilities } from '../../src-core/metrics/captcha-metrics.ts';
import { laplacianPyramid, meanPairwiseMsSsim, msSsim, slicedWasserstein, type FaceImages } from '../../src-core/metrics/face-metrics.ts';
import { frechetDistance, meanAndCovariance, symmetricEigen, symmetricEigenvalues, symmetricSqrt } from '../../src-core/metrics/linalg.ts';
import { Rng } from '../../src-core/util/rng.ts';
import { useBackend } from '../helpers.ts';
import { loadImageSet } from '../../src-core/data/load.ts';
import { evaluatePredictions } from '../../src-core/training/recognizer-job.ts';

const oneHotProbs = (classes: number[], k: number, p = 1) => {
  const out = new Float32Array(classes.length * k).fill((1 - p) / (k - 1));
  classes.forEach((c, i) => (out[i * k + c] = p));
  return out;
};

describe('captcha metrics', () => {
  it('a single repeated sample has class entropy 0 and an inception-style score of 1', () => {
    const s = scoresFromProbabilities(oneHotProbs(Array(50).fill(7), 32, 0.95), 50, 32);
    assert.equal(s.classEntropy, 0);
    assert.ok(Math.abs(s.inceptionScore - 1) < 1e-9);
    assert.equal(s.legibility, 1);
  });

  it('uniform confident classes give entropy ln(k) and a score of k; unsure reads are not legible', () => {
    const classes = Array.from({ length: 64 }, (_, i) => i % 32);
    const s = scoresFromProbabilities(oneHotProbs(classes, 32), 64, 32, Int32Array.from(classes));
    assert.ok(Math.abs(s.classEntropy - Math.log(32)) < 1e-9);
    assert.ok(Math.abs(s.inceptionScore - 32) < 1e-6);
    assert.equal(s.conditionalAccuracy, 1);
    assert.equal(scoresFromProbabilities(oneHotProbs(classes, 32, 0.6), 64, 32).legibility, 0);
    const wrong = Int32Array.from(classes, (c) => (c + 1) % 32);
    assert.equal(scoresFromProbabilities(oneHotProbs(classes, 32), 64, 32, wrong).conditionalAccuracy, 0);
  });

  it('identical sets have a Fréchet distance ≈ 0; a shifted set\'s is the squared shift', () => {
    const rng = new Rng(1);
    const n = 400;
    const d = 20;
    const x = rng.fillNormal(new Float32Array(n * d));
    const a = featureStats(x, n, d);
    assert.ok(frechetFromStats(a, a) < 1e-9);
    const shifted = featureStats(x.map((v) => v + 0.5), n, d);
    assert.ok(Math.abs(frechetFromStats(a, shifted) - d * 0.25) < 1e-6);
    // Closed form in one dimension: N(0, 1) vs N(1, 4) → 1 + 1 + 4 − 2·2 = 2.
    assert.ok(Math.abs(frechetDistance(Float64Array.of(0), Float64Array.of(1), Float64Array.of(1), Float64Array.of(4), 1) - 2) < 1e-12);
  });

  it('the symmetric eigensolver reconstructs its matrix', () => {
    const n = 30;
    const rng = new Rng(2);
    const { cov } = meanAndCovariance(rng.fillNormal(new Float32Array(100 * n)), 100, n);
    const { values, vectors } = symmetricEigen(cov, n);
    let err = 0;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
      let v = 0;
      for (let k = 0; k < n; k++) v += vectors[i * n + k]! * values[k]! * vectors[j * n + k]!;
      err = Math.max(err, Math.abs(v - cov[i * n + j]!));
    }
    assert.ok(err < 1e-10, `reconstruction error ${err}`);
    // The values-only path finds the same spectrum; the square root squares back to the matrix.
    const alone = [...symmetricEigenvalues(cov, n)].sort((a, b) => a - b);
    const full = [...values].sort((a, b) => a - b);
    alone.forEach((v, i) => assert.ok(Math.abs(v - full[i]!) < 1e-10, `eigenvalue ${i}: ${v} vs ${full[i]}`));
    const root = symmetricSqrt(cov, n);
    let sqErr = 0;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
      let v = 0;
      for (let k = 0; k < n; k++) v += root[i * n + k]! * root[k * n + j]!;
      sqErr = Math.max(sqErr, Math.abs(v - cov[i * n + j]!));
    }
    assert.ok(sqErr < 1e-10, `Σ^½ Σ^½ differs from Σ by ${sqErr}`);
  });

  it('conditional accuracy of real labelled tiles through the recogniser equals its accuracy', async () => {
    await useBackend('wasm');
    const net = buildCaptchaRecognizer(new Rng(1));
    const set = await loadImageSet({ source: 'synth-captchas', count: 40, seed: 8 });
    const { probs } = await recognizerOutputs(net, set.images, set.count);
    const accuracy = evaluatePredictions(probs, set.labels!, 32).characterAccuracy;
    assert.equal(scoresFromProbabilities(probs, set.count, 32, set.labels!).conditionalAccuracy, accuracy);
    disposeNetwork(net);
  });

  it('the recogniser feature extractor does not leak tensors', async () => {
    await useBackend('wasm');
    const net = buildCaptchaRecognizer(new Rng(1));
    const tiles = new Rng(3).fillUniform(new Float32Array(300 * 400));
    const before = tf.memory().numTensors;
    const { probs, features } = await recognizerOutputs(net, tiles, 300, 128);
    assert.equal(tf.memory().numTensors, before);
    assert.equal(probs.length, 300 * 32);
    assert.equal(features.length, 300 * 500);
    disposeNetwork(net);
  });
});

function faces(count: number, size: number, seed: number, transform: (v: number) => number = (v) => v): FaceImages {
  const rng = new Rng(seed);
  const pixels = new Float32Array(count * size * size * 3);
  for (let i = 0; i < count; i++) {
    // Smooth random blobs: a few Gaussian bumps per channel.
    const bumps = Array.from({ length: 4 }, () => [rng.uniform() * size, rng.uniform() * size, 4 + rng.uniform() * 10, rng.uniform()]);
    for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) for (let c = 0; c < 3; c++) {
      let v = 0.2;
      for (const [by, bx, r, a] of bumps) v += a! * Math.exp(-((y - by!) ** 2 + (x - bx!) ** 2) / (2 * r! ** 2)) * (0.6 + 0.2 * c);
      pixels[((i * size + y) * size + x) * 3 + c] = transform(Math.min(1, v));
    }
  }
  return { pixels, count, size };
}

describe('face metrics', () => {
  it('the Laplacian pyramid reconstructs the image', () => {
    const img = faces(1, 64, 1).pixels;
    const levels = laplacianPyramid(img, 64);
    assert.deepEqual(levels.map((l) => l.size), [64, 32, 16]);
  });

  it('shifting a distribution raises the sliced Wasserstein distance monotonically', () => {
    const real = faces(24, 32, 1);
    const opts = { patchesPerImage: 32, directions: 32, seed: 5 };
    const same = slicedWasserstein(real, faces(24, 32, 2), opts).mean;
    const swd = [0.1, 0.2, 0.4].map((shift) => slicedWasserstein(real, faces(24, 32, 2, (v) => Math.min(1, v + shift)), opts).mean);
    assert.ok(same < swd[0]! && swd[0]! < swd[1]! && swd[1]! < swd[2]!, `${same} < ${swd.join(' < ')}`);
  });

  it('MS-SSIM is 1 for identical images; a collapsed set is less diverse than a varied one', () => {
    const set = faces(10, 64, 3);
    const one = set.pixels.subarray(0, 64 * 64 * 3);
    assert.ok(Math.abs(msSsim(one, one, 64) - 1) < 1e-9);
    const collapsed: FaceImages = { pixels: new Float32Array(10 * 64 * 64 * 3).map((_, i) => one[i % one.length]!), count: 10, size: 64 };
    const varied = meanPairwiseMsSsim(set, 20, 1);
    assert.ok(meanPairwiseMsSsim(collapsed, 20, 1) > 0.999);
    assert.ok(varied < 0.9, `varied ${varied}`);
  });
});
