/** Everything the host pushes to the UI, on one event stream. */
import type { RunStatus } from './types.ts';

export type { RunProgressEvent, RunSummary } from '../../domain/run-events.ts';
import type { RunProgressEvent } from '../../domain/run-events.ts';

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
