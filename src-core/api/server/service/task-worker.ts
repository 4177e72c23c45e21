/**
 * Entry point of a task process (dataset import, pre-labelling, mislabel search):
 * reports TaskEvents to the parent. 'cancel', SIGTERM/SIGINT/SIGHUP and the parent's
 * death (the IPC channel closes) abort the imports where they can resume (each
 * commits its progress as it goes); other tasks are short and finish what they started.
 */
import type { TaskEvent, TaskResult } from '../../contract/events.ts';
import { defaultCaptchaSettings } from '../../../data/captcha-image.ts';
import { importCaptchaFolder, importSynthCaptchas } from '../../../data/import-captchas.ts';
import { importFaces } from '../../../data/face-shards.ts';
import { openStore } from '../../../store/index.ts';
import { toErrorBody } from '../dispatcher.ts';
import type { TaskCommand, TaskRequest } from './task-types.ts';

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
// Loaded only by the tasks that read captchas with a recogniser: an import starts without TensorFlow.js.
const recognizers = () => import('../../../workbench/recognizers.ts');

const { home, task } = JSON.parse(process.env.GAN_WORKBENCH_TASK_REQUEST ?? 'null') as { home: string; task: TaskRequest };
const db = openStore(home, { backup: false });

async function run(t: TaskRequest): Promise<TaskResult> {
  switch (t.kind) {
    case 'import-captchas': {
      const r = await importCaptchaFolder(db, t.folder, { ...t, signal: abort.signal, onProgress });
      return { dataset: r.dataset.id, count: r.imported, skipped: [...r.skipped, ...r.refusedLabels], cancelled: r.cancelled };
    }
    case 'synth-captchas': {
      const r = await importSynthCaptchas(db, t.count, t.seed, defaultCaptchaSettings());
      return { dataset: r.dataset.id, count: r.imported, skipped: r.skipped, cancelled: false };
    }
    case 'import-celeba': {
      const r = await importFaces(db, home, t.folder, { size: t.size, recordsPerShard: t.recordsPerShard, signal: abort.signal, onProgress });
      return { dataset: r.dataset.id, count: r.records, skipped: r.skipped, cancelled: r.cancelled };
    }
    case 'prelabel': {
      const { count } = await (await recognizers()).prelabelDataset(db, t.dataset);
      return { dataset: t.dataset, count, skipped: [], cancelled: false };
    }
    case 'mislabels': {
      const count = await (await recognizers()).findDatasetMislabels(db, t.dataset, { folds: t.folds, steps: t.steps, model: t.model, seed: 0, onFold: (f) => onProgress(f, t.folds) });
      return { dataset: t.dataset, count, skipped: [], cancelled: false };
    }
  }
}

try {
  send({ type: 'done', result: await run(task) });
} catch (err) {
  send({ type: 'failed', message: toErrorBody(err).message });
  process.exitCode = 1;
} finally {
  db.close();
  process.disconnect?.();
}
