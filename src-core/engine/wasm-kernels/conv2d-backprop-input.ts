import { tf, type Tensor4D } from '../tf.ts';
import { withTensors } from '../kernel-util.ts';
import { convGeometry, imagesPerChunk, type ConvAttrs } from './conv-geometry.ts';
import { col2im } from './layout.ts';
import { heapOffset, type WasmBackend } from './simd-module.ts';

/**
 * dx of a NHWC convolution (also the forward pass of a transposed convolution)
 * without the wasm backend's scalar loop: one matmul, run by XNNPACK on every
 * thread, gives each dy position's contribution to every tap,
 * cols[p, (ky, kx, ci)] = Σ_co dy[p, co] · W[ky, kx, ci, co]; one SIMD pass
 * (simd/layout.wat) adds each into dx at (y·sh − padTop + ky, x·sw − padLeft + kx).
 * The FLOPs are exactly the transposed convolution's, in one large GEMM. Images
 * are independent, so a batch whose columns would be too large is done in chunks
 * of images (imagesPerChunk) with the same arithmetic.
 */
function conv2dBackpropInput(args: { inputs: tf.NamedTensorInfoMap; attrs: tf.NamedAttrMap; backend: WasmBackend }): tf.TensorInfo {
  const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
  const attrs = args.attrs as unknown as ConvAttrs & { inputShape: [number, number, number, number] };
  const inShape = attrs.inputShape;
  const info = convGeometry(inShape, filter.shape as [number, number, number, number], attrs);
  const { backend } = args;
  return withTensors({ dy, filter }, (t) => {
    const grad = t.dy as Tensor4D;
    const [batch, height, width, ci] = inShape;
    const [, outHeight, outWidth, co] = grad.shape;
    const taps = info.filterHeight * info.filterWidth * ci;
    const weights = tf.reshape(t.filter!, [taps, co]);
    const dx = backend.makeOutput(inShape, 'float32');
    const chunk = imagesPerChunk(batch, outHeight * outWidth * taps);
    for (let n = 0; n < batch; n += chunk) {
      const images = Math.min(chunk, batch - n);
      tf.tidy(() => {
        const part = images === batch ? grad : tf.slice(grad, [n, 0, 0, 0], [images, outHeight, outWidth, co]);
        const cols = tf.matMul(tf.reshape(part, [images * outHeight * outWidth, co]), weights, false, true);
        const at = heapOffset(backend, dx) + 4 * n * height * width * ci;
        col2im(backend, { ...info, batchSize: images }, heapOffset(backend, cols), at);
      });
    }
    return tf.engine().makeTensorFromTensorInfo(dx);
  });
}

export const conv2dBackpropInputConfig: tf.KernelConfig = {
  kernelName: 'Conv2DBackpropInput',
  backendName: 'wasm',
  kernelFunc: conv2dBackpropInput as unknown as tf.KernelFunc,
};
