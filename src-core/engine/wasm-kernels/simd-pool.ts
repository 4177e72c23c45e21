import { Worker } from 'node:worker_threads';
import { wantedThreads } from '../threads.ts';
import { backendMemory, simdExports, simdModule, type SimdBinaries, type WasmBackend } from './simd-module.ts';
import * as elementwise from './simd/elementwise.wasm.ts';
import * as gemm from './simd/gemm.wasm.ts';
import * as layout from './simd/layout.wasm.ts';
import * as optimizerUpdates from './simd/optimizer-updates.wasm.ts';

/**
 * Helper threads for the hand-written SIMD kernels (the GEMM, optimiser updates,
 * transposes, col2im, element-wise passes). tfjs's own kernels run on the calling
 * thread while the backend's pthreads wait, except XNNPACK's, which keep their own
 * pool; these take their parts on helpers of their own. Each helper is a
 * worker thread with its own instance of the same modules on the same shared wasm
 * memory; a kernel's range is split, the helpers take their parts through a small
 * shared control block (Atomics.wait / notify, no messages), and the calling thread
 * does its own part and then waits for theirs. Only with the threaded backend
 * (shared memory); every part writes disjoint outputs with the same arithmetic, so
 * the results are bit-identical to one thread.
 */

/** One call of a module's export with its (number) arguments. */
export interface SimdCall { binaries: SimdBinaries; name: string; args: number[] }

const MODULES: SimdBinaries[] = [elementwise, layout, optimizerUpdates, gemm];
/** The exports a helper may be asked to call (sent to it by index). */
const HELPER_EXPORTS = ['adam', 'rmsprop', 'transposeRows', 'geometry', 'col2im', 'thinFilterGrad', 'add', 'leakyRelu', 'leakyReluGrad', 'maxPoolGrad2', 'packA', 'packB', 'packPanels', 'packPatches', 'packPatchesT', 'gemm', 'gemmByRows'];
const MAX_ARGS = 2048;

/** Runs in each helper: wait for a job, run its calls, report (control: [job, done, calls, failed]). */
const HELPER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { memory, modules, names, control, args } = workerData;
const instances = modules.map((m) => new WebAssembly.Instance(m, { env: { memory } }).exports);
const ctl = new Int32Array(control);
const a = new Float64Array(args);
let seen = 0;
for (;;) {
  Atomics.wait(ctl, 0, seen);
  seen = Atomics.load(ctl, 0);
  const calls = ctl[2];
  if (calls < 0) break;
  try {
    let k = 0;
    for (let c = 0; c < calls; c++) {
      const fn = instances[a[k++]][names[a[k++]]];
      const n = a[k++];
      fn(...a.subarray(k, k + n));
      k += n;
    }
    ctl[3] = 0;
  } catch (err) {
    ctl[3] = 1;
  }
  Atomics.store(ctl, 1, seen);
  Atomics.notify(ctl, 1);
}
`;

class Helper {
  readonly control = new Int32Array(new SharedArrayBuffer(16));
  readonly args = new Float64Array(new SharedArrayBuffer(8 * MAX_ARGS));
  private job = 0;
  private readonly worker: Worker;

  constructor(memory: WebAssembly.Memory, modules: WebAssembly.Module[], private readonly names: string[]) {
    this.worker = new Worker(HELPER_SOURCE, {
      eval: true,
      workerData: { memory, modules, names, control: this.control.buffer, args: this.args.buffer },
    });
    this.worker.unref();
  }

  start(calls: SimdCall[]): void {
    let k = 0;
    for (const call of calls) {
      const nameIndex = this.names.indexOf(call.name);
      if (nameIndex < 0) throw new Error(`SIMD helper threads do not know "${call.name}" (add it to HELPER_EXPORTS)`);
      if (k + 3 + call.args.length > MAX_ARGS) throw new Error(`a SIMD helper job has room for ${MAX_ARGS} numbers (its calls and their arguments)`);
      this.args.set([MODULES.indexOf(call.binaries), nameIndex, call.args.length, ...call.args], k);
      k += 3 + call.args.length;
    }
    this.control[2] = calls.length;
    this.job++;
    Atomics.store(this.control, 0, this.job);
    Atomics.notify(this.control, 0);
  }

  finish(): void {
    // A job is a few milliseconds; a helper that has not answered in a minute is gone.
    const deadline = Date.now() + 60_000;
    while (Atomics.load(this.control, 1) !== this.job) {
      if (Date.now() > deadline) throw new Error('a SIMD helper thread stopped answering');
      Atomics.wait(this.control, 1, this.job - 1, 1000);
    }
    if (this.control[3]) throw new Error('a SIMD kernel failed on a helper thread');
  }
}

let pool: { backend: WasmBackend; helpers: Helper[] } | null = null;
let helperLimit = Number.POSITIVE_INFINITY;

/** For tests: uses at most n helpers (0: the calling thread alone); returns the previous limit. */
export function limitHelpers(n: number): number {
  const previous = helperLimit;
  helperLimit = n;
  return previous;
}

/** The helper threads for this backend: threads − 1 of them on the threaded backend, none otherwise. */
function helpers(backend: WasmBackend): Helper[] {
  if (pool?.backend === backend) return pool.helpers;
  const memory = backendMemory(backend);
  const shared = memory.buffer instanceof SharedArrayBuffer;
  const count = shared ? wantedThreads() - 1 : 0;
  const modules = MODULES.map((m) => simdModule(m, true));
  pool = { backend, helpers: Array.from({ length: count }, () => new Helper(memory, modules, HELPER_EXPORTS)) };
  return pool.helpers;
}

/** The most threads `parallel` uses on this backend (for per-thread scratch space). */
export function maxThreads(backend: WasmBackend): number {
  return Math.min(helpers(backend).length, helperLimit) + 1;
}

/**
 * Runs a kernel over [0, total) split into one part per thread at multiples of
 * `align`: `part(first, last, index)` gives the calls for part `index` (< maxThreads). Parts smaller than
 * `minPart` are not worth a helper's wake-up (≈ 10–50 µs); then the calling
 * thread runs everything.
 */
export function parallel(
  backend: WasmBackend, total: number, align: number, minPart: number,
  part: (first: number, last: number, index: number) => SimdCall[],
): void {
  const pool = helpers(backend);
  const threads = Math.max(1, Math.min(pool.length + 1, helperLimit + 1, Math.floor(total / Math.max(minPart, align))));
  const bounds = Array.from({ length: threads + 1 }, (_, i) =>
    i === threads ? total : Math.floor((total * i) / threads / align) * align);
  for (let t = 1; t < threads; t++) pool[t - 1]!.start(part(bounds[t]!, bounds[t + 1]!, t));
  try {
    for (const call of part(bounds[0]!, bounds[1]!, 0)) {
      (simdExports<Record<string, (...a: number[]) => void>>(backend, call.binaries)[call.name]!)(...call.args);
    }
  } finally {
    for (let t = 1; t < threads; t++) pool[t - 1]!.finish();
  }
}

/**
 * Floats a part of a memory-bound pass needs to be worth a helper: below it the wake-up
 * and the shared memory bandwidth eat the gain (a 1 M-float Add ran slower on two threads).
 */
export const MIN_PART_FLOATS = 1 << 19;

/** An element-wise kernel over n floats, split at multiples of 4 in parts of at least MIN_PART_FLOATS. */
export function parallelFloats(backend: WasmBackend, n: number, part: (first: number, last: number) => SimdCall[]): void {
  parallel(backend, n, 4, MIN_PART_FLOATS, part);
}
