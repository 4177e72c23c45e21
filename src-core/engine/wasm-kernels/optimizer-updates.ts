import type { tf } from '../tf.ts';
import * as binaries from './simd/optimizer-updates.wasm.ts';
import { heapOffset, type WasmBackend } from './simd-module.ts';
import { parallelFloats } from './simd-pool.ts';

/**
 * One-pass optimiser updates for the wasm backend. TF1's Adam written with tf ops
 * is 12 kernels per variable, each a pass over the whole variable (3.3 M floats
 * for the captcha nets' dense layers); these run one 128-bit SIMD pass, as a small
 * wasm module (simd/optimizer-updates.wat) that imports tfjs's own memory and
 * reads and writes the tensors where they lie, split over the threads
 * (simd-pool.ts). Same float32 operations in the same
 * order as the tf-op version, so the results are bit-identical (tested).
 */
export const ADAM_UPDATE = 'GwbAdamUpdate';
export const RMSPROP_UPDATE = 'GwbRmspropUpdate';

type Args = { inputs: Record<string, tf.TensorInfo>; attrs: Record<string, number>; backend: WasmBackend };

function adam({ inputs, attrs, backend }: Args): tf.TensorInfo[] {
  const { w, g, m, v } = inputs as Record<'w' | 'g' | 'm' | 'v', tf.TensorInfo>;
  const outs = [backend.makeOutput(w.shape, 'float32'), backend.makeOutput(m.shape, 'float32'), backend.makeOutput(v.shape, 'float32')];
  const at = (t: tf.TensorInfo) => heapOffset(backend, t);
  const n = w.shape.reduce((a, b) => a * b, 1);
  const { beta1, beta2, lrT, epsilon } = attrs as Record<string, number>;
  // Scalars as the tf-op version sees them: float32 (the module's f32 parameters round them).
  const pointers = [at(w), at(g), at(m), at(v), at(outs[0]!), at(outs[1]!), at(outs[2]!)];
  parallelFloats(backend, n, (first, last) => [{
    binaries, name: 'adam',
    args: [...pointers.map((p) => p + 4 * first), last - first, beta1!, 1 - beta1!, beta2!, 1 - beta2!, lrT!, epsilon!],
  }]);
  return outs;
}

function rmsprop({ inputs, attrs, backend }: Args): tf.TensorInfo[] {
  const { w, g, ms } = inputs as Record<'w' | 'g' | 'ms', tf.TensorInfo>;
  const outs = [backend.makeOutput(w.shape, 'float32'), backend.makeOutput(ms.shape, 'float32')];
  const at = (t: tf.TensorInfo) => heapOffset(backend, t);
  const n = w.shape.reduce((a, b) => a * b, 1);
  const { decay, learningRate, epsilon } = attrs as Record<string, number>;
  const pointers = [at(w), at(g), at(ms), at(outs[0]!), at(outs[1]!)];
  parallelFloats(backend, n, (first, last) => [{
    binaries, name: 'rmsprop', args: [...pointers.map((p) => p + 4 * first), last - first, decay!, 1 - decay!, learningRate!, epsilon!],
  }]);
  return outs;
}

export const optimizerUpdateConfigs: tf.KernelConfig[] = [
  { kernelName: ADAM_UPDATE, backendName: 'wasm', kernelFunc: adam as unknown as tf.KernelFunc },
  { kernelName: RMSPROP_UPDATE, backendName: 'wasm', kernelFunc: rmsprop as unknown as tf.KernelFunc },
];
