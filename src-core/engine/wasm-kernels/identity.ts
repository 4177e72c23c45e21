import type { tf } from '../tf.ts';

/**
 * Identity without a copy. The wasm kernel copies the tensor's bytes, and tfjs
 * clones every tensor it saves for the backward pass (160 clones per captcha-DCGAN
 * iteration, weight matrices among them). Tensors are immutable, so sharing the
 * data with a reference count is exact; it is what the cpu backend and the wasm
 * Reshape kernel already do.
 */
export function identityConfig(original: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc = (args: { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend & { incRef(d: unknown): void } }) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    if (x.dtype === 'string') return original.kernelFunc(args as never);
    args.backend.incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  };
  return { ...original, kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}

/**
 * Cast to the dtype a tensor already has, without a copy: tfjs's gradients cast
 * float32 gradients to float32 (WGAN-GP: 74 casts an iteration, a 3.3 M-float
 * weight gradient among them). Real conversions go to the original kernel.
 */
export function castConfig(original: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc = (args: { inputs: tf.NamedTensorInfoMap; attrs: tf.NamedAttrMap; backend: tf.KernelBackend & { incRef(d: unknown): void } }) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    if (x.dtype === 'string' || x.dtype !== (args.attrs as { dtype: string }).dtype) return original.kernelFunc(args as never);
    args.backend.incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  };
  return { ...original, kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}
