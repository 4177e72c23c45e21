import { getDataset, getDatasetOfKind, listDatasets } from '../../../workbench/datasets.ts';
import { existingFolder, previewCaptchaFolder, syntheticPreview } from '../../../workbench/datasets.ts';
import { MISLABEL_STEPS } from '../../../workbench/recognizers.ts';
import { createRecognizerRun } from '../../../workbench/recognizers.ts';
import type { ApiHandlers } from '../../contract/methods.ts';
import type { ServiceContext } from './context.ts';
import { datasetInfo, runSummary } from './dto.ts';

type DatasetHandlers = Pick<ApiHandlers, 'datasets.list' | 'datasets.get' | 'datasets.previewCaptchaFolder' | 'datasets.importCaptchas'
  | 'datasets.synthCaptchas' | 'datasets.syntheticPreview' | 'datasets.importCeleba' | 'tasks.cancel' | 'recognizer.train' | 'recognizer.prelabel' | 'recognizer.findMislabels'>;

export function datasetHandlers(ctx: ServiceContext): DatasetHandlers {
  const { db } = ctx;
  const folder = (path: string) => existingFolder(ctx.dataRoots.allow(path, 'folder'));
  return {
    'datasets.list': () => listDatasets(db).map((d) => datasetInfo(db, d)),
    'datasets.get': ({ dataset }) => datasetInfo(db, getDataset(db, dataset)),
    'datasets.syntheticPreview': ({ dataset, count }) => syntheticPreview(db, dataset, count),
    'datasets.previewCaptchaFolder': (p) => previewCaptchaFolder(folder(p.folder), p.settings, p.index),
    'datasets.importCaptchas': (p) => ctx.tasks.start({
      kind: 'import-captchas', folder: folder(p.folder), settings: p.settings, labelsFromFilenames: p.labelsFromFilenames,
      labelsFile: p.labelsFile ? ctx.dataRoots.allow(p.labelsFile, 'labelsFile') : undefined, name: p.name,
    }),
    'datasets.synthCaptchas': ({ count, seed }) => ctx.tasks.start({ kind: 'synth-captchas', count, seed }),
    'datasets.importCeleba': (p) => ctx.tasks.start({ kind: 'import-celeba', folder: folder(p.folder), size: p.size }),
    'tasks.cancel': ({ task }) => ({ cancelled: ctx.tasks.cancel(task) }),
    'recognizer.train': ({ dataset, overrides, model }) => {
      const run = createRecognizerRun(db, ctx.home, dataset, overrides, model);
      ctx.runs.start(run.id, { resume: false });
      ctx.emit({ topic: 'runs-changed', run: run.id, status: 'queued' });
      return runSummary(run);
    },
    'recognizer.prelabel': ({ dataset }) => ctx.tasks.start({ kind: 'prelabel', dataset: getDatasetOfKind(db, dataset, 'captcha').id }),
    'recognizer.findMislabels': ({ dataset, folds, steps, model }) =>
      ctx.tasks.start({ kind: 'mislabels', dataset: getDatasetOfKind(db, dataset, 'captcha').id, folds, steps: steps ?? MISLABEL_STEPS[model], model }),
  };
}
