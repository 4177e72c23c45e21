/**
 * The SIMD optimiser updates (src-core/engine/wasm-kernels/simd): the committed
 * binaries are what the .wat assembles to, and on wasm the one-pass updates give
 * the same bits as TF1's Adam / RMSProp written with tf ops (the other backends'
 * path), on shapes that are not a multiple of the SIMD width.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { assemble, render, SIMD_MODULES } from '../../scripts/build-simd-kernels.mjs';
import { tf } from '../../src-core/engine/tf.ts';
import { ADAM_UPDATE, RMSPROP_UPDATE } from '../../src-core/engine/wasm-kernels/optimizer-updates.ts';
import { LEAKY_RELU_GRAD } from '../../src-core/engine/wasm-kernels/elementwise.ts';
import { replacedKernels } from '../../src-core/engine/kernel-util.ts';
import { limitHelpers } from '../../src-core/engine/wasm-kernels/simd-pool.ts';
import { relaxedSimd } from '../../src-core/engine/wasm-kernels/simd-module.ts';
import * as gemmBinaries from '../../src-core/engine/wasm-kernels/simd/gemm.wasm.ts';
import { createOptimizer, type OptimizerConfig } from '../../src-core/training/optimizers.ts';
import { seeded, useBackend } from '../helpers.ts';

const CONFIGS: OptimizerConfig[] = [
  { kind: 'adam', learningRate: 2e-4, beta1: 0.5, beta2: 0.999, epsilon: 1e-8 },
  { kind: 'adam', learningRate: 1e-4, beta1: 0, beta2: 0.9, epsilon: 1e-8 },
  { kind: 'rmsprop', learningRate: 2e-4, decay: 0.9, epsilon: 1e-10 },
];

let serial = 0;
/** Five updates of a variable ([37, 29], 1,073 floats: not a multiple of 4) from seeded gradients. */
function train(config: OptimizerConfig, shape: [number, number] = [37, 29]): Float32Array {
  const name = `simd-test-${serial++}`;
  const initial = tf.tensor2d(seeded(shape, 1), shape);
  const w = tf.variable(initial, true, name);
  initial.dispose();
  const opt = createOptimizer(config, [{ name, kind: 'dense-kernel', trainable: true, variable: w } as never]);
  for (let step = 0; step < 5; step++) {
    const g = tf.tensor2d(seeded(shape, 10 + step), shape);
    opt.apply({ [name]: g });
    g.dispose();
  }
  const values = w.dataSync() as Float32Array;
  opt.dispose();
  w.dispose();
  return values;
}

describe('SIMD optimiser updates', () => {
  it('give the same bits as the tf-op updates, and leak nothing', async () => {
    await useBackend('wasm');
    for (const config of CONFIGS) {
      const before = tf.memory().numTensors;
      const fused = train(config);
      assert.equal(tf.memory().numTensors, before, `${config.kind}: tensors leaked`);
      const saved = [ADAM_UPDATE, RMSPROP_UPDATE].map((k) => tf.getKernel(k, 'wasm')!);
      for (const k of saved) tf.unregisterKernel(k.kernelName, 'wasm');
      try {
        const ops = train(config);
        assert.deepEqual(Array.from(fused), Array.from(ops), `${config.kind} β1=${'beta1' in config ? config.beta1 : '-'}`);
      } finally {
        for (const k of saved) tf.registerKernel(k);
      }
    }
  });
});

/** Runs `body` with the named wasm kernels back to tfjs's own (and the fused leaky-ReLU gradient unregistered). */
function withOriginalKernels<T>(names: string[], body: () => T): T {
  const ours = names.map((n) => tf.getKernel(n, 'wasm')!);
  const fused = tf.getKernel(LEAKY_RELU_GRAD, 'wasm')!;
  const swap = (configs: tf.KernelConfig[]) => {
    for (const c of configs) {
      tf.unregisterKernel(c.kernelName, 'wasm');
      tf.registerKernel({ ...c, setupFunc: undefined });
    }
  };
  swap(names.map((n) => replacedKernels.get(`wasm/${n}`)!));
  tf.unregisterKernel(LEAKY_RELU_GRAD, 'wasm');
  try {
    return body();
  } finally {
    swap(ours);
    tf.registerKernel(fused);
  }
}

describe('SIMD element-wise kernels and reductions', () => {
  it('the committed binaries of every module are the assembled .wat', async () => {
    for (const name of SIMD_MODULES) {
      const committed = readFileSync(new URL(`../../src-core/engine/wasm-kernels/simd/${name}.wasm.ts`, import.meta.url), 'utf8');
      assert.equal(committed, render(name, await assemble(name)), `${name}: run node scripts/build-simd-kernels.mjs`);
    }
  });

  it('give the bits of the tfjs kernels they replace: leaky ReLU and its first and second derivative, sums and means over leading axes, batch norm', async () => {
    await useBackend('wasm');
    const shape = [3, 5, 7, 9]; // 945 floats: not a multiple of 4
    const values = seeded(shape, 41).map((v, i) => (i % 17 === 0 ? 0 : v)); // exact zeros take the x ≤ 0 side
    const run = () => tf.tidy(() => {
      const x = tf.tensor4d(values, shape as [number, number, number, number]);
      const w = tf.tensor4d(seeded(shape, 42), shape as [number, number, number, number]);
      const out: tf.Tensor[] = [tf.leakyRelu(x, 0.2)];
      const dx = (ww: tf.Tensor) => tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(tf.leakyRelu(xx, 0.2), ww)))(x);
      out.push(dx(w));
      // The gradient penalty's shape of computation: differentiate a function of a gradient.
      out.push(tf.grad((ww: tf.Tensor) => tf.sum(tf.square(dx(ww))))(w));
      for (const keep of [false, true]) {
        for (const axes of [[0], [0, 1], [1, 0, 2], [0, 1, 2], [-4, -3]]) {
          out.push(tf.sum(w, axes, keep), tf.mean(w, axes, keep));
        }
      }
      out.push(tf.sum(w, [1, 2]), tf.mean(w, 3), tf.moments(w, [0, 1, 2]).variance);
      // Batch norm over [3, 5, 7, 8] per channel (8 lanes: the SIMD path), and over 9 channels (the original kernel).
      for (const c of [8, 9]) {
        const xs = tf.tensor4d(seeded([3, 5, 7, c], 43), [3, 5, 7, c]);
        const { mean, variance } = tf.moments(xs, [0, 1, 2]);
        out.push(tf.batchNorm(xs, mean, variance, tf.tensor1d(seeded([c], 44)), tf.tensor1d(seeded([c], 45)), 1e-3));
      }
      return out;
    });
    const before = tf.memory().numTensors;
    const fast = run();
    const reference = withOriginalKernels(['LeakyRelu', 'Sum', 'Mean', 'FusedBatchNorm'], run);
    fast.forEach((t, i) => {
      assert.deepEqual(t.shape, reference[i]!.shape, `output ${i}: shape`);
      assert.deepEqual(Array.from(t.dataSync()), Array.from(reference[i]!.dataSync()), `output ${i}`);
    });
    tf.dispose([...fast, ...reference]);
    assert.equal(tf.memory().numTensors, before, 'tensors leaked');
  });
});

type Shape4 = [number, number, number, number];

/** MaxPool's gradient by definition: each 2 × 2 window's dy to its largest input, the last of equals (row-major). */
function maxPoolGradReference(x: Float32Array, dy: Float32Array, [B, H, W, C]: Shape4): Float32Array {
  const [OH, OW] = [Math.floor(H / 2), Math.floor(W / 2)];
  const dx = new Float32Array(x.length);
  for (let b = 0; b < B; b++) for (let oy = 0; oy < OH; oy++) for (let ox = 0; ox < OW; ox++) for (let c = 0; c < C; c++) {
    let at = -1;
    for (const [y, xx] of [[0, 0], [0, 1], [1, 0], [1, 1]] as const) {
      const i = ((b * H + 2 * oy + y) * W + 2 * ox + xx) * C + c;
      if (at < 0 || x[i]! >= x[at]!) at = i;
    }
    dx[at] = dy[((b * OH + oy) * OW + ox) * C + c]!;
  }
  return dx;
}

/** The flat indices of the 2 × 2 window holding input i (none when its row or column is outside every window). */
function windowOf(i: number, [, H, W, C]: Shape4): number[] {
  const [c, x, y, b] = [i % C, Math.floor(i / C) % W, Math.floor(i / C / W) % H, Math.floor(i / C / W / H)];
  if (y >= 2 * Math.floor(H / 2) || x >= 2 * Math.floor(W / 2)) return [];
  const [y0, x0] = [y - (y % 2), x - (x % 2)];
  return [[0, 0], [0, 1], [1, 0], [1, 1]].map(([dy, dx]) => ((b * H + y0 + dy!) * W + x0 + dx!) * C + c);
}

describe('MaxPool gradient (2 × 2 windows, stride 2)', () => {
  it('sends each window\'s gradient to its largest input: tfjs\'s bits after a ReLU, the true maximum where tfjs\'s kernel is wrong (every input ≤ 0), odd sides and channel tails', async () => {
    await useBackend('wasm');
    // Halves, so equal inputs (ties) are common; [3, 6, 10, 8]: SIMD lanes only; odd sides and 5 or 3 channels: the scalar tail too.
    for (const shape of [[3, 6, 10, 8], [2, 7, 9, 5], [1, 5, 4, 3]] as Shape4[]) {
      const signed = seeded(shape, 71).map((v) => Math.round(v * 4) / 2);
      const dyShape: Shape4 = [shape[0], Math.floor(shape[1] / 2), Math.floor(shape[2] / 2), shape[3]];
      const dy = seeded(dyShape, 72);
      const gradOf = (values: Float32Array) => tf.tidy(() => {
        const w = tf.tensor(dy, dyShape);
        return tf.grad((x: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(x as tf.Tensor4D, 2, 2, 'valid'), w)))(tf.tensor(values, shape));
      });
      const before = tf.memory().numTensors;
      // Every input ≤ 0 in some windows: tfjs's wasm kernel sends those to the window's first input whatever its value.
      const ours = gradOf(signed);
      assert.deepEqual(Array.from(ours.dataSync()), Array.from(maxPoolGradReference(signed, dy, shape)), `${shape}: by definition`);
      // After a ReLU (exact zeros, ties): tfjs's own kernel agrees wherever a window's maximum is positive.
      const relu = signed.map((v) => Math.max(0, v));
      const fast = gradOf(relu);
      const reference = withOriginalKernels(['MaxPoolGrad'], () => gradOf(relu));
      const [a, b] = [fast.dataSync(), reference.dataSync()];
      let compared = 0;
      a.forEach((v, i) => {
        // A window whose maximum is 0: either input may take a gradient that the ReLU's gradient then zeroes.
        const window = windowOf(i, shape);
        if (window.length > 0 && Math.max(...window.map((j) => relu[j]!)) === 0) return;
        assert.equal(v, b[i], `${shape}: tfjs's kernel at ${i}`);
        compared++;
      });
      assert.ok(compared > a.length / 2, `${shape}: only ${compared} compared`);
      tf.dispose([ours, fast, reference]);
      assert.equal(tf.memory().numTensors, before, 'tensors leaked');
    }
  });

  it('other pools (3 × 3, or padded odd sides) go to tfjs\'s kernel', async () => {
    await useBackend('wasm');
    const x = tf.tensor4d(seeded([1, 5, 5, 4], 73), [1, 5, 5, 4]);
    for (const [size, stride, pad] of [[3, 1, 'valid'], [2, 2, 'same']] as const) {
      const grad = (x2: tf.Tensor4D) => tf.grad((v: tf.Tensor) => tf.sum(tf.maxPool(v as tf.Tensor4D, size, stride, pad)))(x2);
      const g = grad(x);
      const reference = withOriginalKernels(['MaxPoolGrad'], () => grad(x));
      assert.deepEqual(Array.from(g.dataSync()), Array.from(reference.dataSync()), `${size}×${size} stride ${stride} ${pad}`);
      tf.dispose([g, reference]);
    }
    x.dispose();
  });
});

describe('the GEMM module (simd/gemm.wat)', () => {
  it('its fused (relaxed SIMD) and unfused builds both compute A·B, edges included', () => {
    relaxedSimd();
    const [m, n, k] = [7, 13, 10];
    const a = seeded([m, k], 61);
    const b = seeded([k, n], 62);
    const expected = Array.from({ length: m * n }, (_, i) => {
      let sum = 0;
      for (let j = 0; j < k; j++) sum += a[Math.floor(i / n) * k + j]! * b[j * n + (i % n)]!;
      return sum;
    });
    const builds = [gemmBinaries.PLAIN_UNFUSED, ...(relaxedSimd() ? [gemmBinaries.PLAIN] : [])];
    for (const binary of builds) {
      const memory = new WebAssembly.Memory({ initial: 1 });
      const gemm = new WebAssembly.Instance(new WebAssembly.Module(Buffer.from(binary, 'base64')), { env: { memory } })
        .exports as Record<string, (...args: number[]) => void>;
      const f = new Float32Array(memory.buffer);
      // A at 0, B after it, packed A, scratch (K·8 + 32 floats), C.
      const [at, bt, pa, scratch] = [0, m * k, m * k + k * n, m * k + k * n + 8 * k];
      const c = scratch + 8 * k + 32;
      f.set(a, at);
      f.set(b, bt);
      gemm.packA!(4 * at, 4 * k, 4, 4 * pa, k, m, 0, 8);
      gemm.gemm!(4 * pa, 4 * bt, 4 * n, 4, 4 * c, 4 * n, k, m, n, 0, 8, 0, 16, 4 * scratch, 0);
      Array.from(f.subarray(c, c + m * n)).forEach((v, i) => assert.ok(Math.abs(v - expected[i]!) < 1e-5, `C[${i}] = ${v}, not ${expected[i]}`));
    }
  });
});

describe('SIMD helper threads', () => {
  it('split kernels give the bits of the calling thread alone: transposes with odd edges, GEMMs, col2im, Adam, Add, leaky ReLU, MaxPool\'s gradient', async () => {
    await useBackend('wasm');
    const run = () => tf.tidy(() => {
      const out: tf.Tensor[] = [];
      // > 2 × 512 Ki floats each, so every kernel is split; odd sizes put the edges in the last part.
      const m = tf.tensor2d(seeded([1031, 1029], 51), [1031, 1029]);
      out.push(tf.transpose(m), tf.add(m, tf.transpose(tf.transpose(m))), tf.leakyRelu(m, 0.2));
      out.push(tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.leakyRelu(v, 0.2), m)))(m));
      // Products split by column panels, by rows, tall (row chunks per thread) and row block by row block
      // (a weight gradient: K is the batch); weights packed once.
      const v = tf.variable(tf.tensor2d(seeded([1100, 1000], 55), [1100, 1000]), true, 'split-test-weights');
      out.push(tf.matMul(tf.tensor2d(seeded([64, 1100], 56), [64, 1100]), v), tf.matMul(tf.tensor2d(seeded([64, 1000], 57), [64, 1000]), v, false, true));
      out.push(tf.matMul(m, tf.tensor2d(seeded([1029, 36], 58), [1029, 36])), tf.matMul(m, m, true, false));
      out.push(tf.matMul(tf.tensor2d(seeded([64, 3000], 59), [64, 3000]), tf.tensor2d(seeded([64, 1000], 60), [64, 1000]), true, false));
      v.dispose();
      // The captcha critic's conv2 at batch 64: forward and dW from the packed patch matrix, dx by GEMM and col2im.
      const x = tf.tensor4d(seeded([64, 10, 10, 64], 52), [64, 10, 10, 64]);
      const w = tf.tensor4d(seeded([5, 5, 64, 128], 53), [5, 5, 64, 128]);
      const dy = tf.tensor4d(seeded([64, 5, 5, 128], 54), [64, 5, 5, 128]);
      const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same'), dy)))([x, w]);
      out.push(dx!, dw!);
      // MaxPool's gradient by window rows, an odd height and width (image boundaries inside parts): 1.2 M floats.
      const pooled = tf.tensor4d(seeded([9, 33, 130, 32], 63), [9, 33, 130, 32]);
      out.push(tf.grad((p: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(p as tf.Tensor4D, 2, 2, 'valid'), tf.tensor4d(seeded([9, 16, 65, 32], 64), [9, 16, 65, 32]))))(pooled));
      return out;
    });
    const adam = (): Float32Array => train({ kind: 'adam', learningRate: 2e-4, beta1: 0.5, beta2: 0.999, epsilon: 1e-8 }, [1100, 1000]);
    const before = tf.memory().numTensors;
    const split = [...run(), tf.tensor(adam())];
    const previous = limitHelpers(0);
    let alone: tf.Tensor[];
    try {
      alone = [...run(), tf.tensor(adam())];
    } finally {
      limitHelpers(previous);
    }
    split.forEach((t, i) => assert.deepEqual(Array.from(t.dataSync()), Array.from(alone[i]!.dataSync()), `output ${i}`));
    tf.dispose([...split, ...alone]);
    assert.equal(tf.memory().numTensors, before, 'tensors leaked');
  });
});
