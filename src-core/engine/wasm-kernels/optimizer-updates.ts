import type { tf } from '../tf.ts';

/**
 * One-pass optimiser updates for the wasm backend. TF1's Adam written with tf ops
 * is 12 kernels per variable, each a pass over the whole weight matrix (3.3 M
 * floats for the captcha nets' dense layers); this is one pass in JavaScript over
 * views of the wasm heap. Every operation is rounded to float32 exactly where the
 * tf-op version rounds (a float64 result of one float32 operation, rounded once,
 * is the correctly rounded float32 result), so both give bit-identical numbers.
 */
export const ADAM_UPDATE = 'GwbAdamUpdate';
export const RMSPROP_UPDATE = 'GwbRmspropUpdate';

interface HeapBackend {
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array;
}

type Args = { inputs: Record<string, tf.TensorInfo>; attrs: Record<string, number>; backend: HeapBackend };

const f = Math.fround;

function adam({ inputs, attrs, backend }: Args): tf.TensorInfo[] {
  const { w, g, m, v } = inputs as Record<'w' | 'g' | 'm' | 'v', tf.TensorInfo>;
  // Outputs first: allocating may grow the heap, which would invalidate earlier views.
  const outs = [backend.makeOutput(w.shape, 'float32'), backend.makeOutput(m.shape, 'float32'), backend.makeOutput(v.shape, 'float32')];
  const [W, G, M, V] = [w, g, m, v].map((t) => backend.typedArrayFromHeap(t)) as [Float32Array, Float32Array, Float32Array, Float32Array];
  const [W2, M2, V2] = outs.map((t) => backend.typedArrayFromHeap(t)) as [Float32Array, Float32Array, Float32Array];
  const b1 = f(attrs.beta1!), c1 = f(1 - attrs.beta1!), b2 = f(attrs.beta2!), c2 = f(1 - attrs.beta2!);
  const lr = f(attrs.lrT!), eps = f(attrs.epsilon!);
  for (let i = 0; i < W.length; i++) {
    const gi = G[i]!;
    const mi = f(f(M[i]! * b1) + f(gi * c1));
    const vi = f(f(V[i]! * b2) + f(f(gi * gi) * c2));
    M2[i] = mi;
    V2[i] = vi;
    W2[i] = W[i]! - f(f(mi * lr) / f(f(Math.sqrt(vi)) + eps));
  }
  return outs;
}

function rmsprop({ inputs, attrs, backend }: Args): tf.TensorInfo[] {
  const { w, g, ms } = inputs as Record<'w' | 'g' | 'ms', tf.TensorInfo>;
  const outs = [backend.makeOutput(w.shape, 'float32'), backend.makeOutput(ms.shape, 'float32')];
  const [W, G, S] = [w, g, ms].map((t) => backend.typedArrayFromHeap(t)) as [Float32Array, Float32Array, Float32Array];
  const [W2, S2] = outs.map((t) => backend.typedArrayFromHeap(t)) as [Float32Array, Float32Array];
  const d = f(attrs.decay!), c = f(1 - attrs.decay!), lr = f(attrs.learningRate!), eps = f(attrs.epsilon!);
  for (let i = 0; i < W.length; i++) {
    const gi = G[i]!;
    const si = f(f(S[i]! * d) + f(f(gi * gi) * c));
    S2[i] = si;
    W2[i] = W[i]! - f(f(gi * lr) / f(Math.sqrt(f(si + eps))));
  }
  return outs;
}

export const optimizerUpdateConfigs: tf.KernelConfig[] = [
  { kernelName: ADAM_UPDATE, backendName: 'wasm', kernelFunc: adam as unknown as tf.KernelFunc },
  { kernelName: RMSPROP_UPDATE, backendName: 'wasm', kernelFunc: rmsprop as unknown as tf.KernelFunc },
];
