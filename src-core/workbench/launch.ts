/**
 * Training and dataset work in child processes, as the entry layers start them: a run's
 * runner (its progress events, stop, last words when it dies), a dataset task's worker,
 * the backend probe, each run's share of the cores when several train at once, and a
 * run marked finished when its process is gone.
 */
export { forkWorker, lastWords, startRunner, type RunnerHandle, type RunnerRequest } from '../runner/spawn.ts';
export { probeBackendsInChild } from '../runner/probe.ts';
export { threadShare } from '../engine/threads.ts';
export { finishRun } from '../store/runs.ts';
