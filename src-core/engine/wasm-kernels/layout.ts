import type { tf } from '../tf.ts';
import * as binaries from './simd/layout.wasm.ts';
import { heapOffset, type WasmBackend } from './simd-module.ts';
import { MIN_PART_FLOATS, parallel } from './simd-pool.ts';

/** A convolution's geometry as simd/layout.wat's "geometry" takes it. */
function geometryArgs(info: tf.backend_util.Conv2DInfo): number[] {
  return [info.batchSize, info.inHeight, info.inWidth, info.inChannels, info.outHeight, info.outWidth,
    info.filterHeight, info.filterWidth, info.strideHeight, info.strideWidth, info.padInfo.top, info.padInfo.left];
}

/** dst[c, r] = src[r, c] for a [rows, cols] float matrix at these byte offsets, split by rows over the threads. */
export function transposeMatrix(backend: WasmBackend, src: number, dst: number, rows: number, cols: number): void {
  parallel(backend, rows, 64, Math.ceil(MIN_PART_FLOATS / Math.max(1, cols)), (first, last) =>
    [{ binaries, name: 'transposeRows', args: [src, dst, rows, cols, first, last] }]);
}

/** col2im into dx (see simd/layout.wat), split by images. */
export function col2im(backend: WasmBackend, info: tf.backend_util.Conv2DInfo, cols: number, dx: number): void {
  const perImage = info.outHeight * info.outWidth * info.filterHeight * info.filterWidth * info.inChannels;
  parallel(backend, info.batchSize, 1, Math.ceil(MIN_PART_FLOATS / perImage), (first, last) => [
    { binaries, name: 'geometry', args: geometryArgs(info) },
    { binaries, name: 'col2im', args: [cols, dx, first, last] },
  ]);
}

/** dW [taps, CO] of a thin input straight from x and dy (see simd/layout.wat), split by output channels. */
export function thinFilterGrad(backend: WasmBackend, info: tf.backend_util.Conv2DInfo, x: number, dy: number, dw: number): void {
  const co = info.outChannels;
  // Multiply-adds per output channel; a part is worth a helper from about a million.
  const perChannel = info.batchSize * info.outHeight * info.outWidth * info.filterHeight * info.filterWidth * info.inChannels;
  parallel(backend, co, 32, Math.ceil(2 ** 20 / perChannel), (first, last) => [
    { binaries, name: 'geometry', args: geometryArgs(info) },
    { binaries, name: 'thinFilterGrad', args: [x, dy, dw, co, first, last] },
  ]);
}

/**
 * A permutation that moves whole blocks of axes, as `[rows, cols]` matrix
 * transposes repeated `outer` times: the leading axes stay, and the rest rotate
 * (perm = [0 … b−1, k … r−1, b … k−1]). Swapping the last two axes, and moving the
 * channels of NHWC in front or back, are of this kind. Null for any other.
 */
function blockTranspose(shape: number[], perm: number[]): { outer: number; rows: number; cols: number } | null {
  const r = shape.length;
  let b = 0;
  while (b < r && perm[b] === b) b++;
  if (b === r) return null;
  const k = perm[b]!;
  for (let i = b; i < r; i++) {
    if (perm[i] !== (i - b < r - k ? k + (i - b) : b + (i - b) - (r - k))) return null;
  }
  const prod = (from: number, to: number) => shape.slice(from, to).reduce((a, d) => a * d, 1);
  return { outer: prod(0, b), rows: prod(b, k), cols: prod(k, r) };
}

/**
 * Transpose on 4-byte tensors whose permutation is a block transpose, as 4×4 SIMD
 * register transposes in cache tiles. The wasm kernel's generic loop runs a
 * [1024, 3200] transpose in 27 ms (strided writes); this in a few.
 */
export function transposeConfig(original: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc = (args: { inputs: tf.NamedTensorInfoMap; attrs: tf.NamedAttrMap; backend: WasmBackend }) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const perm = (args.attrs as { perm: number[] }).perm;
    const blocks = x.dtype === 'float32' || x.dtype === 'int32' ? blockTranspose(x.shape, perm) : null;
    if (!blocks) return original.kernelFunc(args as never);
    const { backend } = args;
    const out = backend.makeOutput(perm.map((p) => x.shape[p]!), x.dtype as 'float32');
    const size = blocks.rows * blocks.cols * 4;
    const src = heapOffset(backend, x);
    const dst = heapOffset(backend, out);
    for (let i = 0; i < blocks.outer; i++) transposeMatrix(backend, src + i * size, dst + i * size, blocks.rows, blocks.cols);
    return out;
  };
  return { ...original, kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}
