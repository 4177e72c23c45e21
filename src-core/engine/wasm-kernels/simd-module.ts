import { setFlagsFromString } from 'node:v8';
import type { tf } from '../tf.ts';

/**
 * The parts of tfjs's wasm backend the hand-written SIMD modules (simd/*.wat) use:
 * its memory, where each tensor lies in it, and how it allocates and frees data.
 */
export interface WasmBackend {
  wasm: { wasmMemory?: WebAssembly.Memory; asm?: { memory?: WebAssembly.Memory } };
  dataIdMap: { get(dataId: object): { memoryOffset: number }; has(dataId: object): boolean };
  makeOutput(shape: number[], dtype: 'float32' | 'int32'): tf.TensorInfo;
  disposeData(dataId: object, force?: boolean): boolean;
}

/**
 * A module's builds (simd/*.wasm.ts): for a shared (threaded) memory and a plain one;
 * a module with fused multiply-adds (relaxed SIMD) also without them.
 */
export interface SimdBinaries { SHARED: string; PLAIN: string; SHARED_UNFUSED?: string; PLAIN_UNFUSED?: string }

let relaxed: boolean | undefined;

/**
 * Whether this engine compiles relaxed SIMD (f32x4.relaxed_madd: one fused
 * multiply-add instruction on x86 FMA3 and Arm). V8 ships it from 11.4 (Chrome 114,
 * Electron ≥ 25); Node 20's V8 11.3 has it behind a flag, set here before the first
 * module is compiled. GAN_WORKBENCH_WASM_FMA=0 turns it off (to compare).
 */
export function relaxedSimd(): boolean {
  if (relaxed !== undefined) return relaxed;
  const probe = Buffer.from(RELAXED_PROBE, 'base64');
  relaxed = process.env.GAN_WORKBENCH_WASM_FMA !== '0' && (WebAssembly.validate(probe)
    || (setFlagsFromString('--experimental-wasm-relaxed-simd'), WebAssembly.validate(probe)));
  return relaxed;
}

/** (module (func (param v128 v128 v128) (result v128) (f32x4.relaxed_madd (local.get 0) (local.get 1) (local.get 2)))) */
const RELAXED_PROBE = 'AGFzbQEAAAABCAFgA3t7ewF7AwIBAAoNAQsAIAAgASAC/YUCCw==';

const compiled = new WeakMap<SimdBinaries, { shared?: WebAssembly.Module; plain?: WebAssembly.Module }>();

/** A module's build for a shared or a plain memory, compiled once. */
export function simdModule(binaries: SimdBinaries, shared: boolean): WebAssembly.Module {
  const builds = compiled.get(binaries) ?? {};
  compiled.set(binaries, builds);
  const kind = shared ? 'shared' : 'plain';
  const unfused = shared ? binaries.SHARED_UNFUSED : binaries.PLAIN_UNFUSED;
  const binary = unfused !== undefined && !relaxedSimd() ? unfused : shared ? binaries.SHARED : binaries.PLAIN;
  builds[kind] ??= new WebAssembly.Module(Buffer.from(binary, 'base64'));
  return builds[kind];
}

/** The backend's wasm memory (shared when it runs threads). */
export function backendMemory(backend: WasmBackend): WebAssembly.Memory {
  const memory = backend.wasm.wasmMemory ?? backend.wasm.asm?.memory;
  if (!memory) throw new Error('the wasm backend does not expose its memory');
  return memory;
}

const instances = new WeakMap<SimdBinaries, { backend: WasmBackend; exports: unknown }>();

/** The module instantiated on this backend's memory (shared when the backend is threaded), once per backend. */
export function simdExports<T>(backend: WasmBackend, binaries: SimdBinaries): T {
  const loaded = instances.get(binaries);
  if (loaded?.backend === backend) return loaded.exports as T;
  const memory = backendMemory(backend);
  const module = simdModule(binaries, memory.buffer instanceof SharedArrayBuffer);
  const exports = new WebAssembly.Instance(module, { env: { memory } }).exports;
  instances.set(binaries, { backend, exports });
  return exports as T;
}

/** Byte offset of a tensor's data in the wasm memory. */
export function heapOffset(backend: WasmBackend, t: tf.TensorInfo): number {
  return backend.dataIdMap.get(t.dataId).memoryOffset;
}
