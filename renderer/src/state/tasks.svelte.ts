import type { TaskEvent, TaskResult } from '../../../src-core/api/contract/events.ts';
import type { TaskInfo } from '../../../src-core/api/contract/types.ts';

export interface TrackedTask extends TaskInfo {
  label: string;
  done: number;
  total: number;
  state: 'running' | 'done' | 'failed';
  result: TaskResult | null;
  message: string | null;
}

/** Dataset tasks (imports, pre-labelling, mislabel search) with their progress and outcome. */
export class TaskTracker {
  tasks = $state<TrackedTask[]>([]);

  running = $derived(this.tasks.filter((t) => t.state === 'running'));

  track(info: TaskInfo, label: string): TrackedTask {
    const t: TrackedTask = { ...info, label, done: 0, total: 0, state: 'running', result: null, message: null };
    this.tasks = [t, ...this.tasks].slice(0, 20);
    return this.tasks[0]!;
  }

  get(task: string): TrackedTask | undefined {
    return this.tasks.find((t) => t.task === task);
  }

  apply(task: string, e: TaskEvent): void {
    const t = this.tasks.find((x) => x.task === task);
    if (!t) return;
    if (e.type === 'progress') {
      t.done = e.done;
      t.total = e.total;
    } else if (e.type === 'done') {
      t.state = 'done';
      t.result = e.result;
      if (t.total === 0) t.total = t.done = e.result.count;
    } else {
      t.state = 'failed';
      t.message = e.message;
    }
  }
}
