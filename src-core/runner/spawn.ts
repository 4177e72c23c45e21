import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { BackendChoice } from '../engine/backend.ts';
import type { RunEvent, RunnerCommand } from './events.ts';

/** What a runner process is asked to do. */
export interface RunnerRequest {
  home: string;
  run: string;
  resume: boolean;
  steps?: number;
  seconds?: number;
  backend?: BackendChoice;
}

export interface RunnerHandle {
  child: ChildProcess;
  /** Asks the job to stop after its current iteration (it checkpoints first). */
  stop(): void;
  /** Resolves with the exit code once the process has ended. */
  exited: Promise<number>;
}

const WORKER = fileURLToPath(new URL('./worker.ts', import.meta.url));
// The worker is TypeScript: load it through tsx, resolved from this package (not the caller's cwd).
const TSX = import.meta.resolve('tsx');

/** Starts a training job in its own process; `onEvent` receives its events in order. */
export function startRunner(request: RunnerRequest, onEvent: (e: RunEvent) => void): RunnerHandle {
  const child = fork(WORKER, [], {
    execArgv: ['--import', TSX],
    env: { ...process.env, GAN_WORKBENCH_RUNNER_REQUEST: JSON.stringify(request) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  child.on('message', (m) => onEvent(m as RunEvent));
  const exited = new Promise<number>((resolve) => {
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
  return {
    child,
    stop() {
      if (child.connected) child.send({ type: 'stop' } satisfies RunnerCommand);
      else child.kill('SIGTERM');
    },
    exited,
  };
}
