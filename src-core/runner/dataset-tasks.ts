/**
 * The dataset tasks as one use case: an import of captchas or CelebA, synthesised captchas,
 * pre-labelling and the mislabel search, each reported as a TaskResult. The host runs it in a
 * task process (task-worker.ts, beside the runner's own); imports resume where a cancelled or
 * killed one stopped. The CLI reaches pre-labelling and the mislabel search through workbench/.
 */
import { defaultCaptchaSettings } from '../data/captcha-image.ts';
import { importFaces } from '../data/face-shards.ts';
import { importCaptchaFolder, importSynthCaptchas } from '../data/import-captchas.ts';
import type { TaskRequest, TaskResult } from '../domain/tasks.ts';
import type { Db } from '../store/open.ts';
import { InvalidInputError } from '../domain/errors.ts';
import { getDatasetOfKind } from '../store/datasets.ts';
import { latestRecognizer } from '../store/recognizers.ts';
import type * as Assist from '../training/assist.ts';
import type { MislabelOptions } from '../training/assist.ts';

export interface TaskHooks {
  /** Aborts the imports where they can resume (each commits its progress as it goes); other tasks finish what they started. */
  signal: AbortSignal;
  onProgress: (done: number, total: number) => void;
}

/**
 * The recogniser assistant with a backend ready. Loaded on first use: the host, the CLI and an
 * import's task process start without TensorFlow.js, which only reading captchas needs.
 */
async function withBackend(): Promise<typeof Assist> {
  const [{ initBackend }, assist] = await Promise.all([import('../engine/backend.ts'), import('../training/assist.ts')]);
  await initBackend('auto');
  return assist;
}

/** Pre-labels a captcha dataset's unlabelled captchas with a recogniser (its latest by default); returns how many and by which. */
export async function prelabelDataset(db: Db, datasetId: number | string, recognizerId?: number): Promise<{ count: number; recognizer: number }> {
  const d = getDatasetOfKind(db, datasetId, 'captcha');
  const rid = recognizerId ?? latestRecognizer(db, d.id)?.id;
  if (rid === undefined) {
    throw new InvalidInputError(`dataset ${d.id} has no recogniser yet: train one first (\`gan-workbench recognizer train --dataset ${d.id}\`)`, 'dataset');
  }
  const { prelabel } = await withBackend();
  return { count: await prelabel(db, d.id, rid), recognizer: rid };
}

/** Scores every labelled captcha of a dataset by out-of-fold disagreement (the likely mislabels first in its queue). */
export async function findDatasetMislabels(db: Db, datasetId: number | string, o: MislabelOptions): Promise<number> {
  const d = getDatasetOfKind(db, datasetId, 'captcha');
  const { findMislabels } = await withBackend();
  return (await findMislabels(db, d.id, o)).length;
}

export async function runDatasetTask(db: Db, home: string, t: TaskRequest, { signal, onProgress }: TaskHooks): Promise<TaskResult> {
  switch (t.kind) {
    case 'import-captchas': {
      const r = await importCaptchaFolder(db, t.folder, { ...t, signal, onProgress });
      return { dataset: r.dataset.id, count: r.imported, skipped: [...r.skipped, ...r.refusedLabels], cancelled: r.cancelled };
    }
    case 'synth-captchas': {
      const r = await importSynthCaptchas(db, t.count, t.seed, defaultCaptchaSettings());
      return { dataset: r.dataset.id, count: r.imported, skipped: r.skipped, cancelled: false };
    }
    case 'import-celeba': {
      const r = await importFaces(db, home, t.folder, { size: t.size, recordsPerShard: t.recordsPerShard, signal, onProgress });
      return { dataset: r.dataset.id, count: r.records, skipped: r.skipped, cancelled: r.cancelled };
    }
    case 'prelabel': {
      const { count } = await prelabelDataset(db, t.dataset);
      return { dataset: t.dataset, count, skipped: [], cancelled: false };
    }
    case 'mislabels': {
      const count = await findDatasetMislabels(db, t.dataset, { folds: t.folds, steps: t.steps, model: t.model, seed: 0, onFold: (f) => onProgress(f, t.folds) });
      return { dataset: t.dataset, count, skipped: [], cancelled: false };
    }
  }
}
