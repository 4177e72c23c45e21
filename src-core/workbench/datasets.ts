/** Dataset rules and use cases shared by the CLI and the app. */
import { cleanCaptcha } from '../data/captcha-clean.ts';
import { readdirSync, statSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import type { CaptchaSettings, SyntheticPreview } from '../domain/datasets.ts';
import { InvalidInputError } from '../domain/errors.ts';
import { captchaPng, cutPreviewPng } from '../data/captcha-preview.ts';
import { datasetSynthCaptchas } from '../data/dataset-synth.ts';
import { listCaptchas } from '../store/captchas.ts';
import { getDatasetOfKind } from '../store/datasets.ts';
import type { Db } from '../store/open.ts';
import { checkImage } from '../data/file-scan.ts';
import { CAPTCHA_EXTENSIONS, normaliseCaptcha } from '../data/import-captchas.ts';

// Datasets listed and found, captcha folders, synthetic captchas and CelebA faces imported: the store's and data's own.
export { getDataset, getDatasetOfKind, listDatasets, type DatasetRow } from '../store/datasets.ts';
export { importCaptchaFolder, importSynthCaptchas, type ImportReport } from '../data/import-captchas.ts';
export { importFaces } from '../data/face-shards.ts';
export { defaultCaptchaSettings } from '../data/captcha-image.ts';

/** A folder the user named: it must exist and be a folder, said in a sentence (about the field `folder`) if not. */
export function existingFolder(path: string): string {
  const full = resolve(path);
  let isDir = false;
  try {
    isDir = statSync(full).isDirectory();
  } catch {
    throw new InvalidInputError(`${full} does not exist`, 'folder', 'no such folder');
  }
  if (!isDir) throw new InvalidInputError(`${full} is not a folder`, 'folder', 'not a folder');
  return full;
}

export interface CaptchaFolderPreview {
  file: string;
  index: number;
  /** The captcha at 4× with its ink and cut lines, PNG, base64. */
  png: string;
  files: number;
  unreadable: string[];
}

/**
 * How a folder's captchas would be cut with `settings`: the first readable image at or
 * after `index` (unreadable ones are named, not fatal; decompression bombs are refused
 * from the header).
 */
export async function previewCaptchaFolder(folder: string, settings: CaptchaSettings, index: number): Promise<CaptchaFolderPreview> {
  const dir = existingFolder(folder);
  const files = readdirSync(dir).filter((f) => CAPTCHA_EXTENSIONS.has(extname(f).toLowerCase())).sort();
  if (files.length === 0) throw new InvalidInputError(`${dir} holds no PNG, JPEG, GIF, BMP or WebP images`, 'folder', 'no images');
  const unreadable: string[] = [];
  for (let i = Math.min(index, files.length - 1); i < files.length && unreadable.length < 50; i++) {
    try {
      await checkImage(join(dir, files[i]!));
      // Decoded once; with clean-up on, the preview shows the captcha before and after it.
      const raw = await normaliseCaptcha(join(dir, files[i]!), { ...settings, preprocess: undefined });
      const gray = cleanCaptcha(raw, settings);
      const png = await cutPreviewPng(gray, settings, gray === raw ? undefined : raw);
      return { file: files[i]!, index: i, png: png.toString('base64'), files: files.length, unreadable };
    } catch {
      unreadable.push(files[i]!);
    }
  }
  throw new InvalidInputError(`no readable image among ${unreadable.slice(0, 5).join(', ')}${unreadable.length > 5 ? '…' : ''}`, 'folder', 'no readable image');
}

/** A captcha dataset's fitted synthesiser beside its real captchas: the first `count` of each. */
export async function syntheticPreview(db: Db, datasetId: number, count: number): Promise<SyntheticPreview> {
  const d = getDatasetOfKind(db, datasetId, 'captcha');
  const real = listCaptchas(db, d.id).filter((c) => c.status !== 'skipped').slice(0, count);
  const r = await datasetSynthCaptchas(db, d.id, count, 0);
  const pngs = async (grays: Uint8Array[]) => Promise.all(grays.map(async (g) => (await captchaPng(g, d.settings)).toString('base64')));
  if (!r.captchas || !r.fit.scheme) return { real: await pngs(real.map((c) => c.pixels)), synthetic: [], scheme: r.fit.scheme === null ? r.fit.reason : '', fitted: false };
  const s = r.fit.scheme;
  return {
    real: await pngs(real.map((c) => c.pixels)),
    synthetic: await Promise.all(r.captchas.map(async (c) => ({ png: (await captchaPng(c.gray, d.settings)).toString('base64'), text: c.text }))),
    scheme: `${s.font}, ${s.fontSize.toFixed(0)} px text from ${(s.left * 100).toFixed(0)}% to ${(s.right * 100).toFixed(0)}% of the width, stroke ${s.stroke} px, ink ${s.ink.toFixed(0)} on paper ${s.paper.toFixed(0)}, ${s.lines} line${s.lines === 1 ? '' : 's'} ${s.lineWidth.toFixed(1)} px wide` +
      ` (ink share off by ${(r.fit.error * 100).toFixed(0)}%)`,
    fitted: true,
  };
}
