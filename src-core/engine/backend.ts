import { createRequire } from 'node:module';
import { tf } from './tf.ts';
import { registerWasmTrainingKernels } from './wasm-kernels/index.ts';
import { registerMissingGradients } from './gradients.ts';
import { initThreadedWasm } from './wasm-threads.ts';
import { wantedThreads } from './threads.ts';
import { relaxedSimd } from './wasm-kernels/simd-module.ts';
import { tryWebgpu } from './webgpu.ts';
import { BACKEND_CHOICES, type BackendChoice } from '../domain/runs.ts';

export { BACKEND_CHOICES, type BackendChoice };
export type BackendName = Exclude<BackendChoice, 'auto'>;

/** What gets recorded with every run: which backend trained it, at which version. */
export interface BackendInfo {
  name: BackendName;
  version: string;
  /** e.g. "simd, 2 threads, fused multiply-add" for wasm; "cuda" or "cpu" for tensorflow. */
  detail: string;
  /** One line per rung of the ladder that failed, with its reason. */
  warnings: string[];
}

const require = createRequire(import.meta.url);

function packageVersion(name: string): string {
  try {
    return (require(`${name}/package.json`) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

async function tryTensorflow(): Promise<string> {
  // Optional dependency: absent, or present without its native library, on most machines.
  try {
    await import('@tensorflow/tfjs-node-gpu' as string);
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_MODULE_NOT_FOUND') {
      throw new Error('@tensorflow/tfjs-node-gpu is not installed (optional: its native library downloads at install time)');
    }
    throw err;
  }
  if (!(await tf.setBackend('tensorflow'))) throw new Error('the tensorflow backend did not initialise');
  const gpu = tf.env().getBool('IS_NODE') && (tf.backend() as unknown as { isUsingGpuDevice?: boolean }).isUsingGpuDevice;
  return gpu ? 'cuda' : 'cpu (libtensorflow)';
}

/** Why the threaded wasm backend could not start, if it could not (reported as a warning). */
let threadWarning: string | null = null;

async function tryWasm(): Promise<string> {
  registerWasmTrainingKernels();
  // Fused multiply-adds round once where mul + add rounds twice: a run's numbers depend on it.
  const fma = relaxedSimd() ? ', fused multiply-add' : '';
  const threads = wantedThreads();
  if (threads > 1) {
    try {
      const n = await initThreadedWasm(threads);
      return `simd, ${n} thread${n > 1 ? 's' : ''}${fma}`;
    } catch (err) {
      threadWarning = `wasm threads unavailable (${err instanceof Error ? err.message : String(err)}); running on 1 thread`;
    }
  }
  if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend did not initialise');
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  return `${simd ? 'simd' : 'no simd'}, 1 thread${fma}`;
}

async function tryCpu(): Promise<string> {
  if (!(await tf.setBackend('cpu'))) throw new Error('the cpu backend did not initialise');
  return 'pure JavaScript';
}

const RUNGS: Record<BackendName, { init: (forced: boolean) => Promise<string>; pkg: string }> = {
  tensorflow: { init: tryTensorflow, pkg: '@tensorflow/tfjs-node-gpu' },
  // Chosen by name, a software adapter is accepted (tests, correctness); by `auto`, only real hardware.
  webgpu: { init: (forced) => tryWebgpu(forced), pkg: '@tensorflow/tfjs-backend-webgpu' },
  wasm: { init: tryWasm, pkg: '@tensorflow/tfjs-backend-wasm' },
  cpu: { init: tryCpu, pkg: '@tensorflow/tfjs-backend-cpu' },
};

export const LADDER: readonly BackendName[] = ['tensorflow', 'webgpu', 'wasm', 'cpu'];

/**
 * What the backend is for. 'training': runs (GANs and recognisers) and benchmarks, which
 * read tensors back only asynchronously (batched losses, primed checkpoints, CTC's host
 * pass on the read-back scores), so WebGPU is open to them when chosen. 'sync': the tools
 * that still read synchronously (pre-labelling, the mislabel search, quality commands),
 * which WebGPU in Node cannot serve: no WebGPU rung.
 *
 * `auto` does not take WebGPU yet, for either: no session has run it on a hardware GPU
 * (the conformance suite's one wrong product, a tfjs-webgpu fault on any GPU, is routed
 * around in webgpu-kernels.ts). Until `bench gpu` on one shows every layer check within
 * tolerance and training faster than wasm, WebGPU is what a user chooses, not a default
 * that could train on wrong numbers unseen (docs/architecture.md).
 */
export type BackendUse = 'training' | 'sync';

/** Why a 'sync' use skips WebGPU, as its ladder line says. */
const SYNC_ONLY = 'this job reads tensors back synchronously, which WebGPU in Node cannot do';

/** The rungs `choice` tries, in order, for `use`. */
export function ladderFor(choice: BackendChoice, use: BackendUse): BackendName[] {
  const rungs = LADDER.filter((b) => use === 'training' || b !== 'webgpu');
  if (choice === 'auto') return rungs.filter((b) => b !== 'webgpu');
  if (choice === 'webgpu' && use === 'sync') return rungs.slice(rungs.indexOf('wasm'));
  return rungs.slice(rungs.indexOf(choice));
}

/**
 * The backend ladder: tfjs-node-gpu (CUDA) when it loads, then WebGPU (Dawn) on a
 * hardware adapter for training, then wasm (SIMD), then cpu. `cpu` is never chosen by
 * `auto` ahead of wasm: it is hundreds of times slower. A forced choice that fails
 * falls back down the ladder with a warning (one line per rung) rather than stopping.
 */
export async function initBackend(choice: BackendChoice = 'auto', use: BackendUse = 'sync'): Promise<BackendInfo> {
  registerMissingGradients();
  const order = ladderFor(choice, use);
  const warnings: string[] = choice === 'webgpu' && use === 'sync' ? [`backend webgpu unavailable (${SYNC_ONLY}); falling back to wasm`] : [];
  for (const name of order) {
    try {
      const detail = await RUNGS[name].init(name === choice);
      await tf.ready();
      if (name === 'wasm' && threadWarning) warnings.push(threadWarning);
      return { name, version: packageVersion(RUNGS[name].pkg), detail, warnings };
    } catch (err) {
      const reason = err instanceof Error ? err.message.split('\n')[0] : String(err);
      const next = order[order.indexOf(name) + 1];
      warnings.push(`backend ${name} unavailable (${reason})${next ? `; falling back to ${next}` : ''}`);
    }
  }
  throw new Error(`No TensorFlow.js backend could be initialised:\n${warnings.join('\n')}`);
}

export function describeBackend(info: BackendInfo): string {
  return `${info.name} ${info.version} (${info.detail})`;
}
