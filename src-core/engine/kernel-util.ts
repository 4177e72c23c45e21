import { tf, type Tensor } from './tf.ts';

type KernelConfig = tf.KernelConfig;
type TensorInfo = tf.TensorInfo;

/**
 * Kernels receive TensorInfos; composite kernels run tf ops, which need Tensors.
 * A TensorInfo that is not already a Tensor is wrapped (sharing its data) and the
 * wrapper is disposed by `withTensors` when the kernel returns.
 */
export function withTensors<T extends Record<string, TensorInfo>>(
  inputs: T,
  body: (tensors: { [K in keyof T]: Tensor }) => TensorInfo,
): TensorInfo {
  const wrappers: Tensor[] = [];
  const tensors = {} as { [K in keyof T]: Tensor };
  for (const key of Object.keys(inputs) as (keyof T)[]) {
    const info = inputs[key] as TensorInfo;
    if (info instanceof tf.Tensor) {
      tensors[key] = info;
    } else {
      const wrapped = tf.engine().makeTensorFromTensorInfo(info);
      wrappers.push(wrapped);
      tensors[key] = wrapped;
    }
  }
  try {
    // tf.tidy keeps a returned Tensor; a bare TensorInfo from a delegated kernel is not tracked by it.
    return tf.tidy(() => body(tensors) as Tensor);
  } finally {
    for (const w of wrappers) w.dispose();
  }
}

/** The backends' own kernels that overrideKernel replaced, by "backend/kernel" (tests compare against them). */
export const replacedKernels = new Map<string, KernelConfig>();

/** Registers `config`, replacing whatever the backend had for that kernel. */
export function overrideKernel(config: KernelConfig): void {
  const existing = tf.getKernel(config.kernelName, config.backendName);
  if (existing) {
    const key = `${config.backendName}/${config.kernelName}`;
    if (!replacedKernels.has(key)) replacedKernels.set(key, existing);
    tf.unregisterKernel(config.kernelName, config.backendName);
  }
  tf.registerKernel(config);
}
