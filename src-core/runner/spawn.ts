import { fork, type ChildProcess } from 'node:child_process';
import type { BackendChoice } from '../engine/backend.ts';
import { WASM_THREADS_ENV } from '../engine/threads.ts';
import type { RunEvent, RunnerCommand } from './events.ts';
import { coreEntry, type CoreEntryName } from '../util/core-bundle.mjs';

/** What a runner process is asked to do. */
export interface RunnerRequest {
  home: string;
  run: string;
  resume: boolean;
  steps?: number;
  seconds?: number;
  backend?: BackendChoice;
  /** Wasm threads for this run (its share of the cores when several train at once); unset, the process's own choice. */
  threads?: number;
}

export interface RunnerHandle {
  child: ChildProcess;
  /** Asks the job to stop after its current iteration (it checkpoints first). */
  stop(): void;
  /** Resolves with the exit code once the process has ended. */
  exited: Promise<number>;
  /** The last few KB the process wrote to stderr. */
  stderrTail(): string;
}

/** Node's arguments for a child that runs our TypeScript: tsx, resolved from this package (not the caller's cwd). */
const TYPESCRIPT_CHILD_ARGS = ['--import', import.meta.resolve('tsx')];

/** The script and Node arguments that run one of the core's entry points: its fresh bundle, else its source through tsx. */
export function entryCommand(name: CoreEntryName): { file: string; execArgv: string[] } {
  const entry = coreEntry(name);
  return { file: entry.file, execArgv: entry.typescript ? TYPESCRIPT_CHILD_ARGS : [] };
}

/** A child's environment: ours plus `extra`; inside Electron, process.execPath is the Electron binary, so it runs as plain Node. */
export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...process.env, ...(process.versions.electron ? { ELECTRON_RUN_AS_NODE: '1' } : {}), ...extra };
}
/** Kept from a child's stderr, so a crash can be reported with its last words. */
const STDERR_TAIL = 4000;

/**
 * Forks one of the core's worker entry points with its request in the environment. Its
 * stderr is passed through and its tail kept (`stderrTail()`), for crash reports.
 */
export function forkWorker(name: 'runner' | 'task', envName: string, request: unknown, env: Record<string, string> = {}): { child: ChildProcess; stderrTail: () => string } {
  const { file, execArgv } = entryCommand(name);
  const child = fork(file, [], {
    execArgv,
    env: childEnv({ ...env, [envName]: JSON.stringify(request) }),
    stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
  });
  let tail = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    process.stderr.write(chunk);
    tail = (tail + chunk.toString('utf8')).slice(-STDERR_TAIL);
  });
  return { child, stderrTail: () => tail };
}

/**
 * The line of a crashed child's stderr worth showing: the last one that names an
 * error (else the last one), not Node's version banner, at most 300 characters
 * (a wasm module's crash can print its whole source on one line).
 */
export function lastWords(stderr: string): string {
  const lines = stderr.split('\n').map((l) => l.trim()).filter((l) => l && !/^Node\.js v\d/.test(l));
  const line = [...lines].reverse().find((l) => /error/i.test(l)) ?? lines.at(-1) ?? '';
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}

/** Starts a training job in its own process; `onEvent` receives its events in order. */
export function startRunner(request: RunnerRequest, onEvent: (e: RunEvent) => void): RunnerHandle {
  // The backend reads its threads from the environment as it initialises, before the request is parsed.
  const threads: Record<string, string> = request.threads !== undefined ? { [WASM_THREADS_ENV]: String(Math.max(1, Math.floor(request.threads))) } : {};
  const { child, stderrTail } = forkWorker('runner', 'GAN_WORKBENCH_RUNNER_REQUEST', request, threads);
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
    stderrTail,
  };
}
