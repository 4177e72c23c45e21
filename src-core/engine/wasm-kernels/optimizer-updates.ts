import type { tf } from '../tf.ts';
import * as binaries from './simd/optimizer-updates.wasm.ts';
import { heapOffset, simdExports, type WasmBackend } from './simd-module.ts';

/**
 * One-pass optimiser updates for the wasm backend. TF1's Adam written with tf ops
 * is 12 kernels per variable, each a pass over the whole variable (3.3 M floats
 * for the captcha nets' dense layers); these run one 128-bit SIMD pass, as a small
 * wasm module (simd/optimizer-updates.wat) that imports tfjs's own memory and
 * reads and writes the tensors where they lie. Same float32 operations in the same
 * order as the tf-op version, so the results are bit-identical (tested).
 */
export const ADAM_UPDATE = 'GwbAdamUpdate';
export const RMSPROP_UPDATE = 'GwbRmspropUpdate';

interface Exports {
  adam(w: number, g: number, m: number, v: number, wo: number, mo: number, vo: number, n: number,
    b1: number, c1: number, b2: number, c2: number, lr: number, eps: number): void;
  rmsprop(w: number, g: number, s: number, wo: number, so: number, n: number, d: number, c: number, lr: number, eps: number): void;
}

/** This backend's instance of simd/optimizer-updates.wat. */
const kernels = (backend: WasmBackend) => simdExports<Exports>(backend, binaries);

type Args = { inputs: Record<string, tf.TensorInfo>; attrs: Record<string, number>; backend: WasmBackend };

function adam({ inputs, attrs, backend }: Args): tf.TensorInfo[] {
  const { w, g, m, v } = inputs as Record<'w' | 'g' | 'm' | 'v', tf.TensorInfo>;
  const outs = [backend.makeOutput(w.shape, 'float32'), backend.makeOutput(m.shape, 'float32'), backend.makeOutput(v.shape, 'float32')];
  const at = (t: tf.TensorInfo) => heapOffset(backend, t);
  const n = w.shape.reduce((a, b) => a * b, 1);
  const { beta1, beta2, lrT, epsilon } = attrs as Record<string, number>;
  // Scalars as the tf-op version sees them: float32 (the module's f32 parameters round them).
  kernels(backend).adam(at(w), at(g), at(m), at(v), at(outs[0]!), at(outs[1]!), at(outs[2]!), n,
    beta1!, 1 - beta1!, beta2!, 1 - beta2!, lrT!, epsilon!);
  return outs;
}

function rmsprop({ inputs, attrs, backend }: Args): tf.TensorInfo[] {
  const { w, g, ms } = inputs as Record<'w' | 'g' | 'ms', tf.TensorInfo>;
  const outs = [backend.makeOutput(w.shape, 'float32'), backend.makeOutput(ms.shape, 'float32')];
  const at = (t: tf.TensorInfo) => heapOffset(backend, t);
  const n = w.shape.reduce((a, b) => a * b, 1);
  const { decay, learningRate, epsilon } = attrs as Record<string, number>;
  kernels(backend).rmsprop(at(w), at(g), at(ms), at(outs[0]!), at(outs[1]!), n, decay!, 1 - decay!, learningRate!, epsilon!);
  return outs;
}

export const optimizerUpdateConfigs: tf.KernelConfig[] = [
  { kernelName: ADAM_UPDATE, backendName: 'wasm', kernelFunc: adam as unknown as tf.KernelFunc },
  { kernelName: RMSPROP_UPDATE, backendName: 'wasm', kernelFunc: rmsprop as unknown as tf.KernelFunc },
];
