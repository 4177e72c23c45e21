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

/** A module's two builds (simd/*.wasm.ts): for a shared (threaded) memory and a plain one. */
export interface SimdBinaries { SHARED: string; PLAIN: string }

const compiled = new WeakMap<SimdBinaries, { shared?: WebAssembly.Module; plain?: WebAssembly.Module }>();

/** A module's build for a shared or a plain memory, compiled once. */
export function simdModule(binaries: SimdBinaries, shared: boolean): WebAssembly.Module {
  const builds = compiled.get(binaries) ?? {};
  compiled.set(binaries, builds);
  const kind = shared ? 'shared' : 'plain';
  builds[kind] ??= new WebAssembly.Module(Buffer.from(shared ? binaries.SHARED : binaries.PLAIN, 'base64'));
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
