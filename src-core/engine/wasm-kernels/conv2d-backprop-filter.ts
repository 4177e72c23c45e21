import { tf, type Tensor, type Tensor4D } from '../tf.ts';
import { withTensors } from '../kernel-util.ts';
import { convGeometry, imagesPerChunk, type ConvAttrs } from './conv-geometry.ts';
import { thinFilterGrad } from './layout.ts';
import { gemm } from './gemm.ts';
import { patchesFit, patchesT } from './patches.ts';
import { heapOffset, type WasmBackend } from './simd-module.ts';

/**
 * dW of a NHWC convolution, which the wasm backend lacks, as one GEMM that XNNPACK
 * runs on every thread: dW[(kh, kw, ci), co] = Σ_p colsT[(kh, kw, ci), p] · dy[p, co]
 * over the output positions p = (b, oh, ow), where colsT is the transposed patch
 * matrix of x, built by a SIMD pass (simd/layout.wat: four positions' channel rows
 * transposed in registers). dy is the operand XNNPACK packs, the small one.
 * Thin inputs (the first layer) take thinFilterGradient; channel or position
 * counts that are not multiples of 4 take the dilated convolution (any shape).
 */
function conv2dBackpropFilter(args: { inputs: tf.NamedTensorInfoMap; attrs: tf.NamedAttrMap; backend: WasmBackend }): tf.TensorInfo {
  const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const attrs = args.attrs as unknown as ConvAttrs & { filterShape: [number, number, number, number] };
  return withTensors({ x, dy }, (t) => {
    const input = t.x as Tensor4D;
    const grad = t.dy as Tensor4D;
    const info = convGeometry(input.shape, attrs.filterShape, attrs);
    const taps = info.inChannels * info.filterHeight * info.filterWidth;
    if (taps <= THIN_TAPS && info.outChannels % 32 === 0) return thinFilterGradient(input, grad, info, args.backend);
    if (taps > THIN_TAPS && patchesFit(info)) return patchGradient(input, grad, info, args.backend);
    return dilatedGradient(input, grad, info);
  });
}

function patchGradient(input: Tensor4D, grad: Tensor4D, info: tf.backend_util.Conv2DInfo, backend: WasmBackend): Tensor {
  const [batch, height, width, ci] = input.shape;
  const { filterHeight: kh, filterWidth: kw, outHeight, outWidth, outChannels } = info;
  const taps = kh * kw * ci;
  const chunk = imagesPerChunk(batch, outHeight * outWidth * taps);
  let dw: Tensor | null = null;
  // Chunks of images (for large batches) add their partial dW in order: the same sums on any thread count.
  for (let n = 0; n < batch; n += chunk) {
    const images = Math.min(chunk, batch - n);
    const partial = backend.makeOutput([kh, kw, ci, outChannels], 'float32');
    const x = heapOffset(backend, input) + 4 * n * height * width * ci;
    const dy = heapOffset(backend, grad) + 4 * n * outHeight * outWidth * outChannels;
    gemm(backend, patchesT(backend, { ...info, batchSize: images }, x),
      { at: dy, transposed: false }, heapOffset(backend, partial), taps, outChannels, images * outHeight * outWidth);
    const part = tf.engine().makeTensorFromTensorInfo(partial);
    const sum: Tensor = dw ? tf.add(dw, part) : part;
    if (dw) {
      dw.dispose();
      part.dispose();
    }
    dw = sum;
  }
  return dw!;
}

/**
 * dW as one forward convolution that XNNPACK runs:
 *   dW[kh, kw, ci, co] = Σ_{b, oh, ow} x[b, oh·s + kh − pad, ow·s + kw − pad, ci] · dy[b, oh, ow, co]
 * is a stride-1 convolution, dilated by the stride, of x seen as [CI, H', W', B]
 * (batch and channels swapped) with dy seen as a filter [OH, OW, B, CO]; its output
 * is [CI, KH, KW, CO], transposed back to [KH, KW, CI, CO]. Slower than im2colGradient
 * (three generic transposes around it), for any shape.
 */
function dilatedGradient(input: Tensor4D, grad: Tensor4D, info: tf.backend_util.Conv2DInfo): Tensor {
  const [batch, height, width, inChannels] = input.shape;
  const { filterHeight, filterWidth, strideHeight, strideWidth, outHeight, outWidth } = info;
  const { top, left } = info.padInfo;
  // The rows and columns of x (after padding) that any filter tap reads.
  const spanH = (outHeight - 1) * strideHeight + filterHeight;
  const spanW = (outWidth - 1) * strideWidth + filterWidth;
  const padded = tf.pad(input, [
    [0, 0], [top, Math.max(0, spanH - top - height)], [left, Math.max(0, spanW - left - width)], [0, 0],
  ]);
  const window = tf.slice(padded, [0, 0, 0, 0], [batch, spanH, spanW, inChannels]);
  const swapped = tf.transpose(window, [3, 1, 2, 0]); // [CI, spanH, spanW, B]
  const gradFilter = tf.transpose(grad, [1, 2, 0, 3]) as Tensor4D; // [OH, OW, B, CO]
  const out = tf.conv2d(swapped as Tensor4D, gradFilter, 1, 'valid', 'NHWC', [strideHeight, strideWidth]);
  return tf.transpose(out, [1, 2, 0, 3]); // [KH, KW, CI, CO]
}

/** Up to this many taps (KH·KW·CI) an input is thin: dW (taps × CO floats) is accumulated in place, in cache. */
const THIN_TAPS = 128;

/**
 * dW for a thin input (the first layer, one channel), with no patch matrix and no
 * GEMM: for each tap, a SIMD pass accumulates x[pixel] · dy[p, :] over the
 * positions in registers, 32 channels at a time (simd/layout.wat). A GEMM would have XNNPACK pack one of its
 * operands, which costs more than these 20 MFLOP.
 */
function thinFilterGradient(input: Tensor4D, grad: Tensor4D, info: tf.backend_util.Conv2DInfo, backend: WasmBackend): Tensor {
  const { filterHeight: kh, filterWidth: kw, inChannels: ci, outChannels } = info;
  const dw = backend.makeOutput([kh, kw, ci, outChannels], 'float32');
  thinFilterGrad(backend, info, heapOffset(backend, input), heapOffset(backend, grad), heapOffset(backend, dw));
  return tf.engine().makeTensorFromTensorInfo(dw);
}

export const conv2dBackpropFilterConfig: tf.KernelConfig = {
  kernelName: 'Conv2DBackpropFilter',
  backendName: 'wasm',
  kernelFunc: conv2dBackpropFilter as unknown as tf.KernelFunc,
};
