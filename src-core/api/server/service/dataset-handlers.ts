import { readdirSync } from 'node:fs';
import { extname, join } from 'node:path';
import { normaliseCaptcha, CAPTCHA_EXTENSIONS } from '../../../data/import-captchas.ts';
import { cutPreviewPng } from '../../../data/captcha-preview.ts';
import { checkImage } from '../../../data/file-scan.ts';
import { getDataset, getDatasetOfKind, listDatasets } from '../../../store/datasets.ts';
import { InvalidInputError } from '../../../domain/errors.ts';
import { existingFolder } from '../../../workbench/datasets.ts';
import { createRecognizerRun } from '../../../workbench/recognizers.ts';
import type { ApiHandlers } from '../../contract/methods.ts';
import type { ServiceContext } from './context.ts';
import { datasetInfo, runSummary } from './dto.ts';

type DatasetHandlers = Pick<ApiHandlers, 'datasets.list' | 'datasets.get' | 'datasets.previewCaptchaFolder' | 'datasets.importCaptchas'
  | 'datasets.synthCaptchas' | 'datasets.importCeleba' | 'tasks.cancel' | 'recognizer.train' | 'recognizer.prelabel' | 'recognizer.findMislabels'>;

export function datasetHandlers(ctx: ServiceContext): DatasetHandlers {
  const { db } = ctx;
  return {
    'datasets.list': () => listDatasets(db).map((d) => datasetInfo(db, d)),
    'datasets.get': ({ dataset }) => datasetInfo(db, getDataset(db, dataset)),
    'datasets.previewCaptchaFolder': async ({ folder, settings, index }) => {
      const dir = existingFolder(folder);
      const files = readdirSync(dir).filter((f) => CAPTCHA_EXTENSIONS.has(extname(f).toLowerCase())).sort();
      if (files.length === 0) throw new InvalidInputError(`${dir} holds no PNG, JPEG, GIF, BMP or WebP images`);
      // The preview shows the first readable image at or after `index`; unreadable ones are named, not fatal.
      const unreadable: string[] = [];
      for (let i = Math.min(index, files.length - 1); i < files.length && unreadable.length < 50; i++) {
        try {
          await checkImage(join(dir, files[i]!)); // decompression bombs are refused from the header
          const gray = await normaliseCaptcha(join(dir, files[i]!), settings);
          return { file: files[i]!, index: i, png: (await cutPreviewPng(gray, settings)).toString('base64'), files: files.length, unreadable };
        } catch {
          unreadable.push(files[i]!);
        }
      }
      throw new InvalidInputError(`no readable image among ${unreadable.slice(0, 5).join(', ')}${unreadable.length > 5 ? '…' : ''}`);
    },
    'datasets.importCaptchas': ({ folder, settings, labelsFromFilenames, labelsFile, name }) =>
      ctx.tasks.start({ kind: 'import-captchas', folder: existingFolder(folder), settings, labelsFromFilenames, labelsFile: labelsFile || undefined, name }),
    'datasets.synthCaptchas': ({ count, seed }) => ctx.tasks.start({ kind: 'synth-captchas', count, seed }),
    'datasets.importCeleba': ({ folder, size }) => ctx.tasks.start({ kind: 'import-celeba', folder: existingFolder(folder), size }),
    'tasks.cancel': ({ task }) => ({ cancelled: ctx.tasks.cancel(task) }),
    'recognizer.train': ({ dataset, overrides }) => {
      const run = createRecognizerRun(db, ctx.home, dataset, overrides);
      ctx.runs.start(run.id, { resume: false });
      ctx.emit({ topic: 'runs-changed', run: run.id, status: 'queued' });
      return runSummary(run);
    },
    'recognizer.prelabel': ({ dataset }) => ctx.tasks.start({ kind: 'prelabel', dataset: getDatasetOfKind(db, dataset, 'captcha').id }),
    'recognizer.findMislabels': ({ dataset, folds, steps }) =>
      ctx.tasks.start({ kind: 'mislabels', dataset: getDatasetOfKind(db, dataset, 'captcha').id, folds, steps }),
  };
}
