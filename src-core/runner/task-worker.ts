/**
 * Entry point of a task process (dataset import, pre-labelling, mislabel search):
 * reports TaskEvents to the parent. 'cancel', SIGTERM/SIGINT/SIGHUP and the parent's
 * death (the IPC channel closes) abort the imports where they can resume (each
 * commits its progress as it goes); other tasks are short and finish what they started.
 */
import type { TaskCommand, TaskEvent, TaskRequest } from '../domain/tasks.ts';
import { errorMessage } from '../domain/errors.ts';
import { openStore } from '../store/index.ts';
import { runDatasetTask } from './dataset-tasks.ts';

const abort = new AbortController();
process.on('message', (m: TaskCommand) => {
  if (m.type === 'cancel') abort.abort();
});
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, () => abort.abort());
process.on('disconnect', () => abort.abort());
process.stderr.on('error', () => {});
const send = (e: TaskEvent) => {
  if (process.connected) process.send?.(e, undefined, {}, () => {});
};
const onProgress = (done: number, total: number) => send({ type: 'progress', done, total });

const { home, task } = JSON.parse(process.env.GAN_WORKBENCH_TASK_REQUEST ?? 'null') as { home: string; task: TaskRequest };
const db = openStore(home, { backup: false });

try {
  send({ type: 'done', result: await runDatasetTask(db, home, task, { signal: abort.signal, onProgress }) });
} catch (err) {
  send({ type: 'failed', message: errorMessage(err) });
  process.exitCode = 1;
} finally {
  db.close();
  process.disconnect?.();
}
