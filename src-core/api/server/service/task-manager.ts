import { randomBytes } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import { forkWorker, lastWords } from '../../../workbench/launch.ts';
import type { ApiEvent, TaskEvent } from '../../contract/events.ts';
import type { TaskInfo } from '../../contract/types.ts';
import type { TaskCommand, TaskRequest } from '../../../domain/tasks.ts';
import { settleWithin } from '../../../util/settle.ts';

const KINDS: Record<TaskRequest['kind'], TaskInfo['kind']> = {
  'import-captchas': 'import-captchas', 'synth-captchas': 'import-captchas', 'import-celeba': 'import-celeba',
  prelabel: 'prelabel', mislabels: 'mislabels',
};

const RESUMABLE = new Set<TaskRequest['kind']>(['import-captchas', 'import-celeba']);

/** Task processes of this host: started, watched (a crash is reported as 'failed'), cancelled, ended on dispose. */
export class TaskManager {
  private readonly tasks = new Map<string, { child: ChildProcess; kind: TaskRequest['kind']; exited: Promise<void> }>();

  constructor(
    private readonly home: string, private readonly emit: (e: ApiEvent) => void,
    /** How long dispose() lets tasks stop at their next commit before it kills them. */
    private readonly graceMs = 10_000,
  ) {}

  start(task: TaskRequest): TaskInfo {
    const id = `task-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
    const { child, stderrTail } = forkWorker('task', 'GAN_WORKBENCH_TASK_REQUEST', { home: this.home, task });
    let ended = false;
    const send = (event: TaskEvent) => {
      if (event.type !== 'progress') ended = true;
      this.emit({ topic: 'task', task: id, event });
      if (event.type === 'done' && event.result.dataset !== undefined) this.emit({ topic: 'datasets-changed' });
    };
    child.on('message', (m) => send(m as TaskEvent));
    const exited = new Promise<void>((resolve) => child.on('exit', (code, signal) => {
      this.tasks.delete(id);
      if (!ended) send({ type: 'failed', message: `the task process ended (${signal ?? `code ${code}`}) without a result: ${lastWords(stderrTail())}` });
      resolve();
    }));
    this.tasks.set(id, { child, kind: task.kind, exited });
    return { task: id, kind: KINDS[task.kind] };
  }

  /** Only the imports stop part-way and resume later; other tasks are short and run to the end. */
  cancel(id: string): boolean {
    const t = this.tasks.get(id);
    if (!t || !RESUMABLE.has(t.kind) || !t.child.connected) return false;
    t.child.send({ type: 'cancel' } satisfies TaskCommand);
    return true;
  }

  /** Asks every task to stop (imports commit and stop), waits at most `graceMs`, then kills what is left. */
  async dispose(): Promise<void> {
    const tasks = [...this.tasks.values()];
    for (const t of tasks) t.child.kill('SIGTERM');
    if (await settleWithin(tasks.map((t) => t.exited), this.graceMs)) return;
    for (const t of tasks) if (t.child.exitCode === null && t.child.signalCode === null) t.child.kill('SIGKILL');
    await Promise.all(tasks.map((t) => t.exited));
  }
}
