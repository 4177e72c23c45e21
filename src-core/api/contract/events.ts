/** Everything the host pushes to the UI, on one event stream. */
import type { RunStatus } from './types.ts';

export type { RunProgressEvent, RunSummary } from '../../domain/run-events.ts';
import type { RunProgressEvent } from '../../domain/run-events.ts';
import type { TaskEvent } from '../../domain/tasks.ts';

export type { TaskEvent, TaskResult } from '../../domain/tasks.ts';

export type ApiEvent =
  | { topic: 'run'; run: string; event: RunProgressEvent }
  /** A run's row changed (status, tags, notes, deleted): lists refresh. */
  | { topic: 'runs-changed'; run: string; status: RunStatus | 'deleted' }
  | { topic: 'task'; task: string; event: TaskEvent }
  | { topic: 'datasets-changed' };
