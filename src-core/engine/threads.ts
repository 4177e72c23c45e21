/**
 * How many wasm threads a process trains with. No tfjs import: the fleet worker and the
 * host decide their runners' shares without loading a backend.
 */
import { availableParallelism } from 'node:os';

/** The environment variable that sets a process's wasm threads (a user's choice, or a runner's share of the cores). */
export const WASM_THREADS_ENV = 'GAN_WORKBENCH_WASM_THREADS';

/** Threads the wasm backend uses: GAN_WORKBENCH_WASM_THREADS, else every logical core (tfjs's pool takes at most 8). */
export function wantedThreads(): number {
  const env = Number(process.env[WASM_THREADS_ENV]);
  const n = Number.isInteger(env) && env > 0 ? env : availableParallelism();
  return Math.min(8, Math.max(1, n));
}

/**
 * Threads for each of `concurrent` trainings on this machine: the cores divided among them (at least 1), and
 * never more than this process would take itself. Runs side by side with every core each would leave their threads
 * waiting on one another at each kernel's barrier (`npm run bench -- threads` measures it).
 */
export function threadShare(concurrent: number): number {
  return Math.min(wantedThreads(), Math.max(1, Math.floor(availableParallelism() / Math.max(1, concurrent))));
}

