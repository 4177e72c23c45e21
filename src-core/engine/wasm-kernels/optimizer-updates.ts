import type { tf } from '../tf.ts';
import { PLAIN, SHARED } from './simd/optimizer-updates.wasm.ts';

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

interface WasmBackend {
  wasm: { wasmMemory?: WebAssembly.Memory; asm?: { memory?: WebAssembly.Memory } };
  dataIdMap: { get(dataId: object): { memoryOffset: number } };
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
}

let loaded: { backend: WasmBackend; exports: Exports } | null = null;

/** The module instantiated on this backend's memory (shared when the backend is threaded). */
function kernels(backend: WasmBackend): Exports {
  if (loaded?.backend === backend) return loaded.exports;
  const memory = backend.wasm.wasmMemory ?? backend.wasm.asm?.memory;
  if (!memory) throw new Error('the wasm backend does not expose its memory');
  const bytes = Buffer.from(memory.buffer instanceof SharedArrayBuffer ? SHARED : PLAIN, 'base64');
  const exports = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } }).exports as unknown as Exports;
  loaded = { backend, exports };
  return exports;
}

type Args = { inputs: Record<string, tf.TensorInfo>; attrs: Record<string, number>; backend: WasmBackend };

function adam({ inputs, attrs, backend }: Args): tf.TensorInfo[] {
  const { w, g, m, v } = inputs as Record<'w' | 'g' | 'm' | 'v', tf.TensorInfo>;
  const outs = [backend.makeOutput(w.shape, 'float32'), backend.makeOutput(m.shape, 'float32'), backend.makeOutput(v.shape, 'float32')];
  const at = (t: tf.TensorInfo) => backend.dataIdMap.get(t.dataId).memoryOffset;
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
  const at = (t: tf.TensorInfo) => backend.dataIdMap.get(t.dataId).memoryOffset;
  const n = w.shape.reduce((a, b) => a * b, 1);
  const { decay, learningRate, epsilon } = attrs as Record<string, number>;
  kernels(backend).rmsprop(at(w), at(g), at(ms), at(outs[0]!), at(outs[1]!), n, decay!, 1 - decay!, learningRate!, epsilon!);
  return outs;
}

export const optimizerUpdateConfigs: tf.KernelConfig[] = [
  { kernelName: ADAM_UPDATE, backendName: 'wasm', kernelFunc: adam as unknown as tf.KernelFunc },
  { kernelName: RMSPROP_UPDATE, backendName: 'wasm', kernelFunc: rmsprop as unknown as tf.KernelFunc },
];
