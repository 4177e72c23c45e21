import type { tf } from '../tf.ts';
import { convGeometry, type ConvAttrs } from './conv-geometry.ts';
import { gemm } from './gemm.ts';
import { patches, patchesFit, zeros } from './patches.ts';
import { rightOperand } from './packed-weights.ts';
import { heapOffset, type WasmBackend } from './simd-module.ts';

/**
 * A NHWC convolution as one GEMM of its patch matrix with the filter,
 * out[p, co] = Σ_(ky, kx, ci) patches[p, (ky, kx, ci)] · W[ky, kx, ci, co], on
 * simd/gemm.wat (fused multiply-adds, every thread), the patches packed straight
 * from x, the filter once per weight version. Inputs it does not fit (channels not
 * a multiple of 4 — the first layer —, dilations, NCHW, other dtypes) take the
 * backend's own kernel (XNNPACK).
 */
export function conv2dConfig(original: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc = (args: { inputs: tf.NamedTensorInfoMap; attrs: tf.NamedAttrMap; backend: WasmBackend }) => {
    const { x, filter } = args.inputs as { x: tf.TensorInfo; filter: tf.TensorInfo };
    const attrs = args.attrs as unknown as ConvAttrs & { dilations?: number | [number, number] };
    const dilated = [attrs.dilations ?? 1].flat().some((d) => d !== 1);
    if (dilated || attrs.dataFormat === 'NCHW' || x.dtype !== 'float32' || filter.dtype !== 'float32') {
      return original.kernelFunc(args as never);
    }
    const info = convGeometry(x.shape as [number, number, number, number], filter.shape as [number, number, number, number], attrs);
    if (!patchesFit(info)) return original.kernelFunc(args as never);
    const { backend } = args;
    const taps = info.filterHeight * info.filterWidth * info.inChannels;
    const weights = rightOperand(backend, filter, false, taps, info.outChannels);
    const out = backend.makeOutput(info.outShape, 'float32');
    const zero = zeros(backend, info.inChannels);
    try {
      gemm(backend, patches(backend, info, heapOffset(backend, x), heapOffset(backend, zero)), weights,
        heapOffset(backend, out), info.batchSize * info.outHeight * info.outWidth, info.outChannels, taps);
    } finally {
      backend.disposeData(zero.dataId);
    }
    return out;
  };
  return { ...original, kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}
