import { tf, type Tensor, type Tensor4D } from '../tf.ts';
import { valuesOf, withTensors } from '../kernel-util.ts';
import { convGeometry, type ConvAttrs } from './conv-geometry.ts';
import { im2colT } from './layout.ts';
import { heapOffset, type WasmBackend } from './simd-module.ts';

/**
 * dW of a NHWC convolution, which the wasm backend lacks, as one GEMM that XNNPACK
 * runs on every thread: dW[(kh, kw, ci), co] = Σ_p colsT[(kh, kw, ci), p] · dy[p, co]
 * over the output positions p = (b, oh, ow), where colsT is the transposed patch
 * matrix of x, built by a SIMD pass (simd/layout.wat: four positions' channel rows
 * transposed in registers). dy is the operand XNNPACK packs, the small one.
 * Thin inputs (the first layer) take thinFilterGradient; channel or position
 * counts that are not multiples of 4 take the dilated convolution.
 */
function conv2dBackpropFilter(args: { inputs: tf.NamedTensorInfoMap; attrs: tf.NamedAttrMap; backend: WasmBackend }): tf.TensorInfo {
  const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const attrs = args.attrs as unknown as ConvAttrs & { filterShape: [number, number, number, number] };
  return withTensors({ x, dy }, (t) => {
    const input = t.x as Tensor4D;
    const grad = t.dy as Tensor4D;
    const info = convGeometry(input.shape, attrs.filterShape, attrs);
    const taps = info.inChannels * info.filterHeight * info.filterWidth;
    if (taps <= THIN_TAPS) return thinFilterGradient(input, grad, info);
    const positions = info.batchSize * info.outHeight * info.outWidth;
    if (info.inChannels % 4 === 0 && positions % 4 === 0) return im2colGradient(input, grad, info, args.backend);
    return dilatedGradient(input, grad, info);
  });
}

function im2colGradient(input: Tensor4D, grad: Tensor4D, info: tf.backend_util.Conv2DInfo, backend: WasmBackend): Tensor {
  const [batch, , , ci] = input.shape;
  const { filterHeight: kh, filterWidth: kw, outHeight, outWidth, outChannels } = info;
  const positions = batch * outHeight * outWidth;
  const zero = tf.zeros([ci]);
  const colsT = backend.makeOutput([kh * kw * ci, positions], 'float32');
  im2colT(backend, info, heapOffset(backend, input), heapOffset(backend, colsT), heapOffset(backend, zero));
  const dw = tf.matMul(tf.engine().makeTensorFromTensorInfo(colsT), tf.reshape(grad, [positions, outChannels]));
  return tf.reshape(dw, [kh, kw, ci, outChannels]);
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

/** Up to this many taps (KH·KW·CI) the im2col path is used: the dilated convolution is slow on thin inputs. */
const THIN_TAPS = 64;

/**
 * dW for a thin input (the first layer, one channel): the transposed patch matrix
 * colsᵀ [KH·KW·CI, P] built in JavaScript, then one GEMM colsᵀ · dy [P, CO]; dy is
 * the small operand XNNPACK packs. P = B·OH·OW positions; padding reads as 0.
 */
function thinFilterGradient(input: Tensor4D, grad: Tensor4D, info: tf.backend_util.Conv2DInfo): Tensor {
  const [batch, height, width, ci] = input.shape;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, outHeight, outWidth, outChannels } = info;
  const { top, left } = info.padInfo;
  const positions = batch * outHeight * outWidth;
  const colsT = new Float32Array(kh * kw * ci * positions);
  const xv = valuesOf(input) as Float32Array; // a heap view, read before anything is allocated
  for (let n = 0; n < batch; n++) {
    for (let y = 0; y < outHeight; y++) {
      for (let x = 0; x < outWidth; x++) {
        const p = (n * outHeight + y) * outWidth + x;
        for (let ky = 0; ky < kh; ky++) {
          const iy = y * sh - top + ky;
          if (iy < 0 || iy >= height) continue;
          for (let kx = 0; kx < kw; kx++) {
            const ix = x * sw - left + kx;
            if (ix < 0 || ix >= width) continue;
            const src = ((n * height + iy) * width + ix) * ci;
            const tap = (ky * kw + kx) * ci;
            for (let c = 0; c < ci; c++) colsT[(tap + c) * positions + p] = xv[src + c]!;
          }
        }
      }
    }
  }
  const dw = tf.matMul(tf.tensor2d(colsT, [kh * kw * ci, positions]), tf.reshape(grad, [positions, outChannels]));
  return tf.reshape(dw, [kh, kw, ci, outChannels]);
}

export const conv2dBackpropFilterConfig: tf.KernelConfig = {
  kernelName: 'Conv2DBackpropFilter',
  backendName: 'wasm',
  kernelFunc: conv2dBackpropFilter as unknown as tf.KernelFunc,
};
