import type { tf } from '../tf.ts';
import * as binaries from './simd/layout.wasm.ts';
import { heapOffset, simdExports, type WasmBackend } from './simd-module.ts';

/** simd/layout.wat: SIMD transpose, transposed im2col and col2im on tfjs's memory (byte offsets). */
interface Exports {
  transpose(src: number, dst: number, rows: number, cols: number): void;
  geometry(batch: number, height: number, width: number, ci: number, oh: number, ow: number,
    kh: number, kw: number, sh: number, sw: number, top: number, left: number): void;
  col2im(cols: number, dx: number): void;
  im2colT(x: number, colsT: number, zero: number): void;
}

export const layoutKernels = (backend: WasmBackend) => simdExports<Exports>(backend, binaries);

/**
 * A permutation that moves whole blocks of axes, as `[rows, cols]` matrix
 * transposes repeated `outer` times: the leading axes stay, and the rest rotate
 * (perm = [0 … b−1, k … r−1, b … k−1]). Swapping the last two axes, and moving the
 * channels of NHWC in front or back, are of this kind. Null for any other.
 */
export function blockTranspose(shape: number[], perm: number[]): { outer: number; rows: number; cols: number } | null {
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
    const kernels = layoutKernels(backend);
    for (let i = 0; i < blocks.outer; i++) kernels.transpose(src + i * size, dst + i * size, blocks.rows, blocks.cols);
    return out;
  };
  return { ...original, kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}
