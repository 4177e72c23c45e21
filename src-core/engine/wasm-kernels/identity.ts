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
