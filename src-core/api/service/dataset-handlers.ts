import { readdirSync, statSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import { normaliseCaptcha, CAPTCHA_EXTENSIONS } from '../../data/import-captchas.ts';
import { cutPreviewPng } from '../../data/captcha-preview.ts';
import { checkImage } from '../../data/file-scan.ts';
import { getDataset, listDatasets } from '../../store/datasets.ts';
import { resolveConfig } from '../../presets/resolve.ts';
import { createRun } from '../../runner/run-folder.ts';
import type { ApiHandlers } from '../contract.ts';
import { ApiError } from '../errors.ts';
import type { ServiceContext } from './context.ts';
import { datasetInfo, runSummary } from './dto.ts';

type DatasetHandlers = Pick<ApiHandlers, 'datasets.list' | 'datasets.get' | 'datasets.previewCaptchaFolder' | 'datasets.importCaptchas'
  | 'datasets.synthCaptchas' | 'datasets.importCeleba' | 'tasks.cancel' | 'recognizer.train' | 'recognizer.prelabel' | 'recognizer.findMislabels'>;

/** A folder the user typed: it must exist and be a folder, said in a sentence if not. */
function existingFolder(path: string): string {
  const full = resolve(path);
  let isDir = false;
  try {
    isDir = statSync(full).isDirectory();
  } catch {
    throw new ApiError('user-error', `${full} does not exist`, [{ key: 'folder', message: 'no such folder' }]);
  }
  if (!isDir) throw new ApiError('user-error', `${full} is not a folder`, [{ key: 'folder', message: 'not a folder' }]);
  return full;
}

function captchaDataset(ctx: ServiceContext, id: number) {
  const d = getDataset(ctx.db, id);
  if (d.kind !== 'captcha') throw new ApiError('user-error', `dataset ${d.id} holds ${d.kind}, not captchas`);
  return d;
}

export function datasetHandlers(ctx: ServiceContext): DatasetHandlers {
  const { db } = ctx;
  return {
    'datasets.list': () => listDatasets(db).map((d) => datasetInfo(db, d)),
    'datasets.get': ({ dataset }) => datasetInfo(db, getDataset(db, dataset)),
    'datasets.previewCaptchaFolder': async ({ folder, settings, index }) => {
      const dir = existingFolder(folder);
      const files = readdirSync(dir).filter((f) => CAPTCHA_EXTENSIONS.has(extname(f).toLowerCase())).sort();
      if (files.length === 0) throw new ApiError('user-error', `${dir} holds no PNG, JPEG, GIF, BMP or WebP images`);
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
      throw new ApiError('user-error', `no readable image among ${unreadable.slice(0, 5).join(', ')}${unreadable.length > 5 ? '…' : ''}`);
    },
    'datasets.importCaptchas': ({ folder, settings, labelsFromFilenames, labelsFile, name }) =>
      ctx.tasks.start({ kind: 'import-captchas', folder: existingFolder(folder), settings, labelsFromFilenames, labelsFile: labelsFile || undefined, name }),
    'datasets.synthCaptchas': ({ count, seed }) => ctx.tasks.start({ kind: 'synth-captchas', count, seed }),
    'datasets.importCeleba': ({ folder, size }) => ctx.tasks.start({ kind: 'import-celeba', folder: existingFolder(folder), size }),
    'tasks.cancel': ({ task }) => ({ cancelled: ctx.tasks.cancel(task) }),
    'recognizer.train': ({ dataset, overrides }) => {
      const d = captchaDataset(ctx, dataset);
      const config = resolveConfig('captcha-recognizer', { ...overrides, data: JSON.stringify({ source: 'dataset', id: d.id }) });
      const run = createRun(db, ctx.home, config, 'auto');
      ctx.runs.start(run.id, { resume: false });
      ctx.emit({ topic: 'runs-changed', run: run.id, status: 'queued' });
      return runSummary(run);
    },
    'recognizer.prelabel': ({ dataset }) => ctx.tasks.start({ kind: 'prelabel', dataset: captchaDataset(ctx, dataset).id }),
    'recognizer.findMislabels': ({ dataset, folds, steps }) =>
      ctx.tasks.start({ kind: 'mislabels', dataset: captchaDataset(ctx, dataset).id, folds, steps }),
  };
}
