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

/** The kernels this process replaced, so benchmarks can compare against them. */
const replaced = new Map<string, KernelConfig | null>();

/**
 * Registers `config`, replacing whatever the backend had for that kernel. The
 * previous kernel (if any) is kept and returned so an override can delegate to it.
 */
export function overrideKernel(config: KernelConfig): KernelConfig | null {
  const key = `${config.backendName}/${config.kernelName}`;
  const existing = tf.getKernel(config.kernelName, config.backendName) ?? null;
  if (!replaced.has(key)) replaced.set(key, existing);
  if (existing) tf.unregisterKernel(config.kernelName, config.backendName);
  tf.registerKernel(config);
  return replaced.get(key) ?? null;
}

/** The kernel that was registered before `overrideKernel` replaced it (null if none). */
export function originalKernel(kernelName: string, backendName: string): KernelConfig | null {
  return replaced.get(`${backendName}/${kernelName}`) ?? null;
}

/** Restores the kernel that `overrideKernel` replaced (for A/B benchmarks). */
export function restoreOriginalKernel(kernelName: string, backendName: string): void {
  const key = `${backendName}/${kernelName}`;
  if (!replaced.has(key)) return;
  if (tf.getKernel(kernelName, backendName)) tf.unregisterKernel(kernelName, backendName);
  const original = replaced.get(key);
  if (original) tf.registerKernel(original);
  replaced.delete(key);
}
