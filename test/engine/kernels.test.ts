import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { tf, type Tensor4D } from '../../src-core/engine/tf.ts';
import { Rng } from '../../src-core/util/rng.ts';
import { relativeError, seeded, valuesOn } from '../helpers.ts';
import { setColumnLimit } from '../../src-core/engine/wasm-kernels/conv-geometry.ts';
import { THESIS_CONVS, convAndGradients, deconvAndGradients, thesisLayerChecks, type ConvShape } from '../../src-core/bench/layer-checks.ts';

/** SPEC/issue bound: every op and gradient on wasm equals the cpu backend within 1e-4 relative. */
const TOLERANCE = 1e-4;

async function agree(name: string, f: () => tf.Tensor | tf.Tensor[]): Promise<void> {
  const reference = await valuesOn('cpu', f);
  const candidate = await valuesOn('wasm', f);
  reference.forEach((ref, i) => {
    const err = relativeError(ref, candidate[i]!);
    assert.ok(err <= TOLERANCE, `${name} [output ${i}]: relative error ${err.toExponential(2)} > ${TOLERANCE}`);
  });
}

const LONG = process.env.GWB_LONG_TESTS === '1';

describe('wasm training kernels equal the cpu backend at every thesis layer shape', () => {
  for (const check of thesisLayerChecks(LONG)) it(check.name, () => agree(check.name, check.f));
});

describe('wasm training kernels on random shapes, strides and paddings', () => {
  // Deterministic "random" cases: odd sizes, strides 1–3, kernels 1–6, both paddings.
  const cases: (ConvShape & { batch?: number })[] = [];
  const rng = new Rng(2024);
  const next = (n: number) => rng.int(n);
  for (let i = 0; i < 24; i++) {
    const k = 1 + next(6);
    const stride = 1 + next(3);
    const h = k + next(12);
    cases.push({ name: `random ${i}`, h, cin: 1 + next(5), cout: 1 + next(6), k, s: stride, pad: next(2) ? 'same' : 'valid' });
  }
  // Channels in multiples of 4 and batch 4: the forward pass and dW by the SIMD GEMM from the packed patch matrix
  // (the others take XNNPACK and the dilated convolution).
  for (let i = 0; i < 12; i++) {
    const k = 1 + next(6);
    const stride = 1 + next(3);
    const h = k + next(12);
    cases.push({ name: `random ${24 + i}`, h, cin: 4 * (1 + next(4)), cout: 1 + next(6), k, s: stride, pad: next(2) ? 'same' : 'valid', batch: 4 });
  }
  for (const c of cases) {
    const desc = `${c.name}: ${c.batch ?? 3}×[${c.h}×${c.h}×${c.cin}] k${c.k} s${c.s} ${c.pad} → ${c.cout}`;
    it(`conv + dx + dW — ${desc}`, () => agree(desc, convAndGradients(c, c.batch ?? 3)));
  }
  it('explicit padding and non-square inputs', () =>
    agree('explicit', () => {
      const x = tf.tensor4d(seeded([2, 9, 13, 3], 10), [2, 9, 13, 3]);
      const w = tf.tensor4d(seeded([3, 4, 3, 5], 11), [3, 4, 3, 5]);
      const pad: tf.backend_util.ExplicitPadding = [[0, 0], [1, 2], [2, 0], [0, 0]];
      const f = (...[a, b]: tf.Tensor[]) => tf.sum(tf.square(tf.conv2d(a as Tensor4D, b as Tensor4D, 2, pad)));
      const [dx, dw] = tf.grads(f)([x, w]);
      return [dx!, dw!];
    }));
  it('explicit padding, non-square inputs and 8 channels (the packed patch matrix)', () =>
    agree('explicit, 8 channels', () => {
      const x = tf.tensor4d(seeded([3, 11, 7, 8], 14), [3, 11, 7, 8]);
      const w = tf.tensor4d(seeded([4, 3, 8, 6], 15), [4, 3, 8, 6]);
      const pad: tf.backend_util.ExplicitPadding = [[0, 0], [2, 1], [0, 2], [0, 0]];
      const f = (...[a, b]: tf.Tensor[]) => tf.sum(tf.square(tf.conv2d(a as Tensor4D, b as Tensor4D, [2, 3], pad)));
      const [dx, dw] = tf.grads(f)([x, w]);
      return [tf.conv2d(x, w, [2, 3], pad), dx!, dw!];
    }));
  it('batched matmuls with every transpose combination', () =>
    agree('batched matmul', () => {
      const out: tf.Tensor[] = [];
      for (const ta of [false, true]) {
        for (const tb of [false, true]) {
          const a = tf.tensor3d(seeded([3, 7, 5], 12), ta ? [3, 5, 7] : [3, 7, 5]);
          const b = tf.tensor3d(seeded([3, 5, 6], 13), tb ? [3, 6, 5] : [3, 5, 6]);
          out.push(tf.matMul(a, b, ta, tb));
        }
      }
      return out;
    }));
});

describe('single products on the SIMD GEMM (simd/gemm.wat)', () => {
  it('every orientation, with rows and columns off the 4 × 8 tiles', async () => {
    const sizes = [[1, 1, 1], [3, 5, 2], [4, 8, 4], [5, 9, 7], [13, 12, 3], [64, 65, 130], [67, 4, 31], [2, 100, 1]];
    for (const [m, n, k] of sizes) {
      await agree(`${m}×${k}·${k}×${n}`, () => [false, true].flatMap((ta) => [false, true].map((tb) =>
        tf.matMul(tf.tensor2d(seeded([m! * k!], 16), ta ? [k!, m!] : [m!, k!]), tf.tensor2d(seeded([k! * n!], 17), tb ? [n!, k!] : [k!, n!]), ta, tb))));
    }
  });
  it('a tall left operand, packed a cache-sized chunk of rows at a time by each thread', () =>
    agree('tall', () => [false, true].map((tb) =>
      tf.matMul(tf.tensor2d(seeded([1203, 1100], 18), [1203, 1100]), tf.tensor2d(seeded([1100, 70], 19), tb ? [70, 1100] : [1100, 70]), false, tb))));
  it('weights packed once per version: a variable multiplied, assigned, multiplied again, in both orientations', () =>
    agree('weights', () => {
      const v = tf.variable(tf.tensor2d(seeded([300, 260], 20), [300, 260]), true, 'gemm-test-weights');
      const x = tf.tensor2d(seeded([6, 300], 21), [6, 300]);
      const y = tf.tensor2d(seeded([6, 260], 22), [6, 260]);
      const before = [tf.matMul(x, v), tf.matMul(y, v, false, true), tf.matMul(x, v)];
      v.assign(tf.tensor2d(seeded([300, 260], 23), [300, 260]));
      const after = [tf.matMul(x, v), tf.matMul(y, v, false, true)];
      v.dispose();
      return [...before, ...after];
    }));
});

describe('wasm kernel paths beside the default', () => {
  it('Transpose: block permutations as SIMD 4×4 transposes (odd edges, batches, int32), other permutations as before', async () => {
    const cases: [number[], number[]][] = [
      [[7, 5], [1, 0]], [[4, 8], [1, 0]], [[33, 70], [1, 0]], [[3, 9, 6], [0, 2, 1]], [[2, 3, 5, 4], [3, 0, 1, 2]],
      [[2, 3, 5, 4], [2, 3, 0, 1]], [[2, 6, 5, 3], [0, 2, 3, 1]], [[2, 3, 5, 4], [3, 1, 2, 0]], [[1, 1], [1, 0]], [[0, 4], [1, 0]],
    ];
    for (const [shape, perm] of cases) {
      await agree(`transpose ${shape} by ${perm}`, () => [
        tf.transpose(tf.tensor(seeded(shape, 7), shape), perm),
        tf.transpose(tf.tensor(Int32Array.from(seeded(shape, 8), (v) => Math.round(v * 1000)), shape, 'int32'), perm).toFloat(),
      ]);
    }
  });

  it('chunks of images (used when the patch or column matrix of a batch would be too large): dx and dW', async () => {
    const previous = setColumnLimit(1);
    try {
      // The chunking is independent of the image size: the captcha layers cover strides 1 and 2,
      // both paddings, and one and many input channels, at a fraction of the face layers' cpu time.
      for (const c of THESIS_CONVS.filter((x) => x.name.startsWith('captcha'))) {
        await agree(`chunks: ${c.name}`, convAndGradients(c, 3));
      }
    } finally {
      setColumnLimit(previous);
    }
  });

  it('Tile as block copies: random shapes and repetitions, float32 and int32, and the batch-norm gradient that uses it', async () => {
    const rng = new Rng(21);
    for (let trial = 0; trial < 12; trial++) {
      const rank = 1 + Math.floor(rng.uniform() * 4);
      const shape = Array.from({ length: rank }, () => 1 + Math.floor(rng.uniform() * 4));
      const reps = Array.from({ length: rank }, () => 1 + Math.floor(rng.uniform() * 3));
      await agree(`tile ${shape} × ${reps}`, () => [
        tf.tile(tf.tensor(seeded(shape, trial), shape), reps),
        tf.tile(tf.tensor(Int32Array.from(seeded(shape, trial + 50), (v) => Math.round(v * 100)), shape, 'int32'), reps).toFloat(),
      ]);
    }
    await agree('batch-norm gradient', () => {
      const x = tf.tensor4d(seeded([4, 3, 3, 8], 31), [4, 3, 3, 8]);
      const scale = tf.tensor1d(seeded([8], 32));
      const offset = tf.tensor1d(seeded([8], 33));
      // A random cotangent: Σ(normalised x)² would be constant, its gradient ≈ 0 and pure rounding.
      const dy = tf.tensor4d(seeded([4, 3, 3, 8], 34), [4, 3, 3, 8]);
      const f = (a: tf.Tensor, s: tf.Tensor, o: tf.Tensor) => {
        const { mean, variance } = tf.moments(a, [0, 1, 2]);
        return tf.sum(tf.mul(tf.batchNorm(a, mean, variance, o, s, 1e-3), dy));
      };
      return tf.grads(f as (...t: tf.Tensor[]) => tf.Tensor)([x, scale, offset]);
    });
  });
});

describe('wasm kernels do not leak tensors', () => {
  it('conv gradients, deconv and transposed matmul leave tf.memory() unchanged', async () => {
    await valuesOn('wasm', convAndGradients(THESIS_CONVS[3]!));
    const before = tf.memory().numTensors;
    const beforeBytes = tf.memory().numBytes;
    await valuesOn('wasm', convAndGradients(THESIS_CONVS[3]!));
    await valuesOn('wasm', deconvAndGradients(THESIS_CONVS[4]!));
    await valuesOn('wasm', () => tf.matMul(tf.ones([4, 8]), tf.ones([6, 8]), false, true));
    await valuesOn('wasm', () => tf.tile(tf.ones([1, 3]), [4, 2]));
    assert.equal(tf.memory().numTensors, before);
    assert.equal(tf.memory().numBytes, beforeBytes);
  });
});
