/** Everything the host pushes to the UI, on one event stream. */
import type { RunStatus } from './types.ts';

/** The run's final line: what `train --json` prints last. */
export interface RunSummary {
  run: string;
  preset: string;
  steps: number;
  seconds: number;
  backend: string;
  losses: Record<string, number>;
  status: 'completed' | 'stopped';
}

/** What a training job reports from its runner process, in order (the runner's RunEvent). */
export type RunProgressEvent =
  | { type: 'started'; run: string; preset: string; backend: { name: string; version: string; detail: string }; data: string; skipped: number; fromStep: number; toStep: number }
  | { type: 'progress'; step: number; seconds: number; losses: Record<string, number>; itPerSec: number; etaSeconds: number | null }
  | { type: 'samples'; step: number; seconds: number; path: string }
  | { type: 'eval'; step: number; seconds: number; metrics: Record<string, number> }
  | { type: 'checkpoint'; step: number; path: string }
  | { type: 'note'; step: number; text: string }
  | { type: 'warning'; text: string }
  | { type: 'done'; summary: RunSummary }
  | { type: 'error'; message: string; userError: boolean };

export type TaskEvent =
  | { type: 'progress'; done: number; total: number }
  | { type: 'done'; result: TaskResult }
  | { type: 'failed'; message: string };

export interface TaskResult {
  dataset?: number;
  /** Items written (captchas imported, faces recorded, captchas pre-labelled or scored). */
  count: number;
  skipped: { file: string; reason: string }[];
  cancelled: boolean;
}

export type ApiEvent =
  | { topic: 'run'; run: string; event: RunProgressEvent }
  /** A run's row changed (status, tags, notes, deleted): lists refresh. */
  | { topic: 'runs-changed'; run: string; status: RunStatus | 'deleted' }
  | { topic: 'task'; task: string; event: TaskEvent }
  | { topic: 'datasets-changed' };
