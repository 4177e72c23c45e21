/** Everything the host pushes to the UI, on one event stream. */
import type { RunStatus } from './types.ts';

/** What a runner reports (the shape of src-core/runner/events.ts's RunEvent, as JSON). */
export type RunProgressEvent =
  | { type: 'started'; run: string; preset: string; backend: { name: string; version: string; detail: string }; data: string; skipped: number; fromStep: number; toStep: number }
  | { type: 'progress'; step: number; seconds: number; losses: Record<string, number>; itPerSec: number; etaSeconds: number | null }
  | { type: 'samples'; step: number; seconds: number; path: string }
  | { type: 'eval'; step: number; seconds: number; metrics: Record<string, number> }
  | { type: 'checkpoint'; step: number; path: string }
  | { type: 'note'; step: number; text: string }
  | { type: 'warning'; text: string }
  | { type: 'done'; summary: { run: string; steps: number; seconds: number; status: 'completed' | 'stopped'; losses: Record<string, number> } }
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
