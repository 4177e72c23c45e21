/**
 * Multi-threaded wasm in Node.
 *
 * tfjs-backend-wasm 4.22 runs single-threaded in Node: WASM_HAS_MULTITHREAD_SUPPORT
 * is hard-wired false there (tfjs issue #3830), because (1) its pthread workers are
 * created from blob: URLs, which Node's worker_threads cannot load, (2) the main
 * script those workers evaluate is `factory.toString()` of the bundled module,
 * which refers to the bundle's module-level `require$$N` variables, and (3)
 * init_with_threads_count caps XNNPACK's pool at half of
 * emscripten_num_logical_cores() (os.cpus().length in Node), i.e. 1 on 2 cores.
 *
 * This module removes each obstacle without changing tfjs: it writes tfjs's own
 * pthread worker script to a file, with its script-loading branch adapted to Node
 * (read the posted Blob, define the bundle's module variables, evaluate); while
 * the backend initialises, it answers URL.createObjectURL for that script with the
 * file's path and reports 2·N logical cores, so the pool gets N threads; then it
 * restores both, unrefs the pool's workers (a finished process still exits) and
 * ends the idle ones. XNNPACK splits work by output tiles, never a reduction, so
 * results are bit-identical to one thread (tested).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tf } from './tf.ts';


const require = createRequire(import.meta.url);
/** The tfjs-backend-wasm version whose bundle this adapts; another version runs single-threaded. */
const SUPPORTED_VERSION = '4.22.0';
/** The worker script's branch that loads the main script (a string URL or a Blob via an object URL). */
const LOAD_BRANCH = 'if(typeof e.data.urlOrBlob=="string"){importScripts(e.data.urlOrBlob)}else{var objectUrl=URL.createObjectURL(e.data.urlOrBlob);importScripts(objectUrl);URL.revokeObjectURL(objectUrl)}WasmBackendModuleThreadedSimd(Module)';
/** Node: the Blob's text, evaluated where the bundle's module variables exist. */
const NODE_LOAD = 'e.data.urlOrBlob.text().then(s=>{Object.assign(globalThis,{require$$0:require("fs"),require$$1:require("path"),'
  + 'require$$3:require("perf_hooks"),require$$4:require("os"),commonjsGlobal:globalThis});(0,eval)(s);WasmBackendModuleThreadedSimd(Module)})';

/**
 * tfjs's pthread worker script, adapted to Node, in a fresh private folder of this
 * process (mkdtemp: mode 0700, unpredictable name), so no other user of a shared
 * /tmp can plant a script the workers would run; removed when the process exits.
 */
function workerScriptFile(): string {
  const version = (require('@tensorflow/tfjs-backend-wasm/package.json') as { version: string }).version;
  if (version !== SUPPORTED_VERSION) throw new Error(`threads are adapted to tfjs-backend-wasm ${SUPPORTED_VERSION}, not ${version}`);
  const bundle = readFileSync(require.resolve('@tensorflow/tfjs-backend-wasm'), 'utf8');
  const literal = /var wasmWorkerContents = ("(?:[^"\\]|\\.)*");/.exec(bundle)?.[1];
  if (!literal) throw new Error('the pthread worker script was not found in the wasm bundle');
  // As tfjs does for its Blob: a newline inside the script's string literals must stay escaped.
  const original = (JSON.parse(literal) as string).replace(/\n/g, '\\n');
  if (!original.includes(LOAD_BRANCH)) throw new Error('the pthread worker script has an unexpected shape');
  const script = original.replace(LOAD_BRANCH, () => NODE_LOAD);
  const dir = mkdtempSync(join(tmpdir(), 'gan-workbench-wasm-'));
  const file = join(dir, 'pthread-worker.cjs');
  writeFileSync(file, script, { mode: 0o600 });
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  return file;
}

interface PThreadWorker {
  unref(): void;
  terminate(): void;
}
interface PThreads {
  unusedWorkers: PThreadWorker[];
  runningWorkers: PThreadWorker[];
}

/**
 * Initialises the wasm backend with `threads` threads (SIMD required). Throws if
 * it cannot, leaving the backend to initialise single-threaded on the next try.
 */
export async function initThreadedWasm(threads: number): Promise<number> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  const file = workerScriptFile();
  if (!(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'))) throw new Error('threaded wasm needs SIMD');
  const createObjectURL = URL.createObjectURL;
  const cpus = os.cpus;
  URL.createObjectURL = ((blob: Blob) => (blob.type === 'application/javascript' ? file : createObjectURL(blob))) as typeof URL.createObjectURL;
  os.cpus = () => Array.from({ length: 2 * threads }, () => cpus()[0]!);
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  wasm.setThreadsCount(threads);
  try {
    if (!(await tf.setBackend('wasm'))) throw new Error('the threaded wasm backend did not initialise');
  } catch (err) {
    // tfjs calls the backend's factory again on the next setBackend: single-threaded then.
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    wasm.setThreadsCount(1);
    throw err;
  } finally {
    URL.createObjectURL = createObjectURL;
    os.cpus = cpus;
  }
  const pthreads = (tf.backend() as unknown as { wasm: { PThread?: PThreads } }).wasm.PThread;
  if (pthreads) {
    for (const w of pthreads.runningWorkers) w.unref();
    for (const w of pthreads.unusedWorkers.splice(0)) w.terminate();
  }
  return wasm.getThreadsCount();
}
