import type { tf } from '../tf.ts';
import { BATCH_NORM_GRAD } from '../batch-norm.ts';
import * as binaries from './simd/elementwise.wasm.ts';
import { heapOffset, simdExports, type WasmBackend } from './simd-module.ts';

interface Exports {
  batchNormGradSums(dy: number, x: number, mean: number, sums: number, rows: number, channels: number): void;
  batchNormGradDx(dy: number, x: number, mean: number, coef: number, dx: number, rows: number, channels: number): void;
}

type HeapBackend = WasmBackend & { typedArrayFromHeap(info: tf.TensorInfo): Float32Array };

/**
 * Batch norm's backward pass (engine/batch-norm.ts) in two SIMD passes over x and dy
 * [rows, C]: the column sums Σ dy and Σ dy·(x − mean), then dx from per-channel
 * coefficients, which are computed here in float32 from those sums. Needs C a
 * multiple of 4 (the caller checks).
 */
function batchNormGrad({ inputs, attrs, backend }: { inputs: Record<string, tf.TensorInfo>; attrs: Record<string, number>; backend: HeapBackend }) {
  const { dy, x, mean, variance, gamma } = inputs as Record<'dy' | 'x' | 'mean' | 'variance' | 'gamma', tf.TensorInfo>;
  const channels = x.shape.at(-1)!;
  const rows = x.shape.reduce((a, d) => a * d, 1) / channels;
  const kernels = simdExports<Exports>(backend, binaries);
  const dx = backend.makeOutput(x.shape, 'float32');
  const dgamma = backend.makeOutput([channels], 'float32');
  const dbeta = backend.makeOutput([channels], 'float32');
  const sums = backend.makeOutput([2 * channels], 'float32');
  const coef = backend.makeOutput([3 * channels], 'float32');
  const at = (t: tf.TensorInfo) => heapOffset(backend, t);
  kernels.batchNormGradSums(at(dy), at(x), at(mean), at(sums), rows, channels);
  // Views taken after every allocation (an allocation may grow the memory and detach older views).
  const [sum, v, g, dg, db, k] = [sums, variance, gamma, dgamma, dbeta, coef].map((t) => backend.typedArrayFromHeap(t));
  const f = Math.fround;
  const eps = f(attrs.varianceEpsilon!);
  for (let c = 0; c < channels; c++) {
    const rstd = f(1 / f(Math.sqrt(f(v![c]! + eps))));
    db![c] = sum![c]!;
    dg![c] = f(sum![channels + c]! * rstd);
    const a = f(g![c]! * rstd);
    k![c] = a;
    k![channels + c] = f(f(-f(f(a * rstd) * dg![c]!)) / rows);
    k![2 * channels + c] = f(f(-f(a * db![c]!)) / rows);
  }
  kernels.batchNormGradDx(at(dy), at(x), at(mean), at(coef), at(dx), rows, channels);
  backend.disposeData(sums.dataId);
  backend.disposeData(coef.dataId);
  return [dx, dgamma, dbeta];
}

export const batchNormGradConfig: tf.KernelConfig = {
  kernelName: BATCH_NORM_GRAD,
  backendName: 'wasm',
  kernelFunc: batchNormGrad as unknown as tf.KernelFunc,
};
