import { tf, type Tensor, type Tensor4D } from '../tf.ts';
import { withTensors } from '../kernel-util.ts';
import { col2im } from './layout.ts';
import { heapOffset, type WasmBackend } from './simd-module.ts';
import { convGeometry, type ConvAttrs } from './conv-geometry.ts';

/** Above this many column floats (×4 bytes) the stride-phase path is used instead of GEMM + col2im. */
let maxColumns = 32 * 1024 * 1024;

/** For tests: sets the column limit (0 forces the stride-phase path); returns the previous one. */
export function setColumnLimit(floats: number): number {
  const previous = maxColumns;
  maxColumns = floats;
  return previous;
}

/**
 * dx of a NHWC convolution (also the forward pass of a transposed convolution)
 * without the wasm backend's scalar loop. Two paths:
 *
 * GEMM + col2im (the usual one): one matmul, run by XNNPACK on every thread,
 * gives each dy position's contribution to every tap, cols[p, (ky, kx, ci)] =
 * Σ_co dy[p, co] · W[ky, kx, ci, co]; one pass adds each into dx at
 * (y·s − padTop + ky, x·s − padLeft + kx), in SIMD wasm (simd/layout.wat). The FLOPs are exactly the transposed
 * convolution's, all in one large, well-shaped GEMM.
 *
 * Stride phases (when the columns would exceed maxColumns): a stride-s transposed convolution is s²
 * stride-1 convolutions of dy with the sub-kernels W[p::s, q::s] (flipped, in/out
 * swapped), one per output phase (p, q); XNNPACK runs each, depth-to-space
 * interleaves the phases, and a slice removes the forward pass's padding.
 * For output row r = i + padTop = u·s + p: dx[r] = Σ_j dy[u − j] · W[p + s·j].
 */
function conv2dBackpropInput(
  args: { inputs: tf.NamedTensorInfoMap; attrs: tf.NamedAttrMap },
  fallback: tf.KernelFunc | null,
  backend: unknown,
): tf.TensorInfo {
  const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
  const attrs = args.attrs as unknown as ConvAttrs & { inputShape: [number, number, number, number] };
  const inShape = attrs.inputShape;
  const info = convGeometry(inShape, filter.shape as [number, number, number, number], attrs);
  if (info.strideHeight !== info.strideWidth && fallback) {
    // Unequal strides never occur in the workbench's models; depth-to-space needs one block size.
    return fallback({ inputs: args.inputs, attrs: args.attrs, backend: backend as tf.KernelBackend }) as tf.TensorInfo;
  }
  return withTensors({ dy, filter }, (t) => {
    const grad = t.dy as Tensor4D;
    const weights = t.filter as Tensor4D;
    const [kh, kw, ci] = weights.shape;
    if (grad.shape[0] * grad.shape[1] * grad.shape[2] * kh * kw * ci <= maxColumns) return gemmCol2im(grad, weights, info, inShape, backend as WasmBackend);
    const [batch, height, width, inChannels] = inShape;
    const [, outHeight, outWidth] = grad.shape;
    const stride = info.strideHeight;
    const { top, left } = info.padInfo;
    const phaseRows = Math.ceil((height + top) / stride);
    const phaseCols = Math.ceil((width + left) / stride);
    const filterValues = weights.dataSync() as Float32Array;
    const phases: Tensor[] = [];
    for (let p = 0; p < stride; p++) {
      for (let q = 0; q < stride; q++) {
        const kernel = phaseKernel(filterValues, weights.shape, p, q, stride);
        phases.push(kernel
          ? phase(grad, kernel, phaseRows, phaseCols, inChannels, batch, outHeight, outWidth)
          : tf.zeros([batch, phaseRows, phaseCols, inChannels]));
      }
    }
    const interleaved = stride === 1 ? phases[0]! : tf.depthToSpace(tf.concat(phases, 3) as Tensor4D, stride, 'NHWC');
    return tf.slice(interleaved, [0, top, left, 0], [batch, height, width, inChannels]);
  });
}

/** dx by one GEMM into columns and a col2im scatter-add (see conv2dBackpropInput). */
function gemmCol2im(
  grad: Tensor4D, weights: Tensor4D, info: tf.backend_util.Conv2DInfo, inShape: [number, number, number, number], backend: WasmBackend,
): Tensor {
  const [batch, , , ci] = inShape;
  const [, outHeight, outWidth, co] = grad.shape;
  const [kh, kw] = weights.shape;
  const taps = kh * kw * ci;
  const cols = tf.matMul(tf.reshape(grad, [batch * outHeight * outWidth, co]), tf.reshape(weights, [taps, co]), false, true);
  const dx = backend.makeOutput(inShape, 'float32');
  col2im(backend, info, heapOffset(backend, cols), heapOffset(backend, dx));
  return tf.engine().makeTensorFromTensorInfo(dx);
}

/**
 * The sub-kernel of phase (p, q), flipped and with in/out swapped: [tapsH, tapsW, CO, CI]
 * with K[a, b, co, ci] = W[p + s·(tapsH − 1 − a), q + s·(tapsW − 1 − b), ci, co]; null when
 * the phase has no taps. Built in JavaScript from the filter's values: one pass over a
 * small array costs far less than the slice, reverse and transpose kernels it replaces.
 */
function phaseKernel(w: Float32Array, shape: number[], p: number, q: number, stride: number): Tensor4D | null {
  const [kh, kw, ci, co] = shape as [number, number, number, number];
  const tapsH = Math.ceil((kh - p) / stride);
  const tapsW = Math.ceil((kw - q) / stride);
  if (tapsH <= 0 || tapsW <= 0) return null;
  const out = new Float32Array(tapsH * tapsW * co * ci);
  for (let a = 0; a < tapsH; a++) {
    const row = p + stride * (tapsH - 1 - a);
    for (let b = 0; b < tapsW; b++) {
      const col = q + stride * (tapsW - 1 - b);
      const src = (row * kw + col) * ci * co;
      const dst = (a * tapsW + b) * co * ci;
      for (let i = 0; i < ci; i++) {
        for (let o = 0; o < co; o++) out[dst + o * ci + i] = w[src + i * co + o]!;
      }
    }
  }
  return tf.tensor4d(out, [tapsH, tapsW, co, ci]);
}

/** Output phase: a [B, rows, cols, CI] stride-1 convolution of dy with its sub-kernel. */
function phase(
  grad: Tensor4D, kernel: Tensor4D, rows: number, cols: number, inChannels: number, batch: number,
  outHeight: number, outWidth: number,
): Tensor {
  const [tapsH, tapsW] = kernel.shape;
  const padded = tf.pad(grad, [
    [0, 0], [tapsH - 1, Math.max(0, rows - outHeight)], [tapsW - 1, Math.max(0, cols - outWidth)], [0, 0],
  ]);
  const out = tf.conv2d(padded, kernel, 1, 'valid');
  return out.shape[1] === rows && out.shape[2] === cols ? out : tf.slice(out, [0, 0, 0, 0], [batch, rows, cols, inChannels]);
}

export function conv2dBackpropInputConfig(fallback: tf.KernelConfig | null): tf.KernelConfig {
  return {
    kernelName: 'Conv2DBackpropInput',
    backendName: 'wasm',
    kernelFunc: ((args: { inputs: tf.NamedTensorInfoMap; attrs: tf.NamedAttrMap; backend: unknown }) =>
      conv2dBackpropInput(args, fallback?.kernelFunc ?? null, args.backend)) as unknown as tf.KernelFunc,
  };
}
