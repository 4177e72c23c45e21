import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { ChildProcess } from 'node:child_process';
import { forkWorker, lastWords } from '../../../runner/spawn.ts';
import type { ApiEvent, TaskEvent } from '../../contract/events.ts';
import type { TaskInfo } from '../../contract/types.ts';
import type { TaskCommand, TaskRequest } from './task-types.ts';

const WORKER = fileURLToPath(new URL('./task-worker.ts', import.meta.url));
const KINDS: Record<TaskRequest['kind'], TaskInfo['kind']> = {
  'import-captchas': 'import-captchas', 'synth-captchas': 'import-captchas', 'import-celeba': 'import-celeba',
  prelabel: 'prelabel', mislabels: 'mislabels',
};

/** Task processes of this host: started, watched (a crash is reported as 'failed'), cancelled, ended on dispose. */
export class TaskManager {
  private readonly tasks = new Map<string, { child: ChildProcess; kind: TaskRequest['kind'] }>();

  constructor(private readonly home: string, private readonly emit: (e: ApiEvent) => void) {}

  start(task: TaskRequest): TaskInfo {
    const id = `task-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
    const { child, stderrTail } = forkWorker(WORKER, 'GAN_WORKBENCH_TASK_REQUEST', { home: this.home, task });
    let ended = false;
    const send = (event: TaskEvent) => {
      if (event.type !== 'progress') ended = true;
      this.emit({ topic: 'task', task: id, event });
      if (event.type === 'done' && event.result.dataset !== undefined) this.emit({ topic: 'datasets-changed' });
    };
    child.on('message', (m) => send(m as TaskEvent));
    child.on('exit', (code, signal) => {
      this.tasks.delete(id);
      if (!ended) send({ type: 'failed', message: `the task process ended (${signal ?? `code ${code}`}) without a result: ${lastWords(stderrTail())}` });
    });
    this.tasks.set(id, { child, kind: task.kind });
    return { task: id, kind: KINDS[task.kind] };
  }

  /** Only the CelebA import stops part-way and resumes later; other tasks are short and run to the end. */
  cancel(id: string): boolean {
    const t = this.tasks.get(id);
    if (!t || t.kind !== 'import-celeba' || !t.child.connected) return false;
    t.child.send({ type: 'cancel' } satisfies TaskCommand);
    return true;
  }

  dispose(): void {
    for (const t of this.tasks.values()) t.child.kill('SIGTERM');
  }
}
