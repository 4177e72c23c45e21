import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { CAPTCHA_ALPHABET, CAPTCHA_CLASSES, TILE } from '../domain/image-shapes.ts';
import { FACE_CHANNELS } from '../domain/image-shapes.ts';
import type { DataConfig } from '../presets/types.ts';
import type { CaptchaRow } from '../store/captchas.ts';
import { getDataset } from '../store/datasets.ts';
import type { Db } from '../store/open.ts';
import { defaultCaptchaSettings, labelProblem } from './captcha-image.ts';
import { CAPTCHA_HEIGHT, CAPTCHA_LENGTH, CAPTCHA_WIDTH, cutTiles, synthesizeCaptchas, type SynthCaptcha } from './captcha-synth.ts';
import { captchaDatasetImages, captchaDatasetSequences, textToClasses, tilesOf } from './dataset-images.ts';
import { decodeFace, faceDatasetImages, FACE_EXTENSIONS } from './face-shards.ts';
import { checkImage, scanFolder } from './file-scan.ts';
import type { ImageSet } from './image-set.ts';
import { InvalidInputError } from '../domain/errors.ts';
import { CAPTCHA_EXTENSIONS, normaliseCaptcha } from './import-captchas.ts';

function datasetImages(db: Db, id: number, o: { imageSize: number; labelledOnly: boolean; wholeCaptchas: boolean }): Promise<ImageSet> | ImageSet {
  const d = getDataset(db, id);
  if (d.kind === 'captcha' && o.wholeCaptchas) return captchaDatasetSequences(db, id, { labelledOnly: o.labelledOnly });
  if (d.kind === 'captcha') return captchaDatasetImages(db, id, { labelledOnly: o.labelledOnly });
  return faceDatasetImages(d, o.imageSize);
}

/** Bumped whenever the synthesiser's output changes, so stale caches are not reused. */
const SYNTH_CACHE_VERSION = 1;

/** The data a run names are not there or hold nothing it can train on. */
export class MissingDataError extends InvalidInputError {
  override name = 'MissingDataError';
  constructor(message: string) {
    super(message, 'data');
  }
}

/**
 * Loads the images a job trains on. `cacheDir` keeps synthesised captchas between runs.
 * `wholeCaptchas`: captchas uncut, with their texts as sequences (the segmentation-free recogniser).
 */
export async function loadImageSet(
  data: DataConfig, opts: { imageSize?: number; cacheDir?: string; db?: Db; labelledOnly?: boolean; wholeCaptchas?: boolean } = {},
): Promise<ImageSet> {
  const wholeCaptchas = opts.wholeCaptchas ?? false;
  switch (data.source) {
    case 'dataset':
      if (!opts.db) throw new Error('a dataset source needs the run store');
      return datasetImages(opts.db, data.id, { imageSize: opts.imageSize ?? 64, labelledOnly: opts.labelledOnly ?? false, wholeCaptchas });
    case 'synth-captchas':
      return wholeCaptchas ? synthSequences(data.count, data.seed, opts.cacheDir) : synthTiles(data.count, data.seed, opts.cacheDir);
    case 'captcha-folder':
      if (wholeCaptchas) throw new MissingDataError('the segmentation-free recogniser trains on an imported dataset (`gan-workbench dataset import-captchas`) or synthesised captchas');
      return captchaFolder(data.path);
    case 'face-folder':
      return faceFolder(data.path, opts.imageSize ?? 64);
  }
}

async function synthTiles(count: number, seed: number, cacheDir?: string): Promise<ImageSet> {
  const captchas = await synthCaptchas(count, seed, cacheDir);
  const { tiles, labels } = cutTiles(captchas);
  return {
    images: tiles, count: labels.length, height: CAPTCHA_HEIGHT, width: TILE, channels: 1, labels, classes: CAPTCHA_CLASSES,
    description: `${labels.length} tiles of ${count} synthesised captchas (seed ${seed})`, skipped: [],
  };
}

async function synthSequences(count: number, seed: number, cacheDir?: string): Promise<ImageSet> {
  const captchas = await synthCaptchas(count, seed, cacheDir);
  const per = CAPTCHA_WIDTH * CAPTCHA_HEIGHT;
  const images = new Float32Array(count * per);
  captchas.forEach((c, i) => images.set(c.pixels, i * per));
  return {
    images, count, height: CAPTCHA_HEIGHT, width: CAPTCHA_WIDTH, channels: 1, labels: null, classes: CAPTCHA_CLASSES,
    sequences: captchas.map((c) => textToClasses(c.text, CAPTCHA_ALPHABET)),
    description: `${count} whole synthesised captchas (seed ${seed})`, skipped: [],
  };
}

async function synthCaptchas(count: number, seed: number, cacheDir?: string): Promise<SynthCaptcha[]> {
  const cacheFile = cacheDir && join(cacheDir, `synth-captchas-v${SYNTH_CACHE_VERSION}-${count}-${seed}.bin`);
  let captchas: SynthCaptcha[] | null = null;
  if (cacheFile && existsSync(cacheFile)) captchas = decodeSynthCache(await readFile(cacheFile), count);
  if (!captchas) {
    captchas = await synthesizeCaptchas(count, seed);
    if (cacheFile) {
      await mkdir(cacheDir!, { recursive: true });
      const tmp = `${cacheFile}.${process.pid}.tmp`;
      await writeFile(tmp, encodeSynthCache(captchas));
      await rename(tmp, cacheFile);
    }
  }
  return captchas;
}

/** Cache layout: per captcha, 4 ASCII bytes of text then 1600 bytes of 0/1 pixels. */
function encodeSynthCache(captchas: SynthCaptcha[]): Buffer {
  const per = CAPTCHA_LENGTH + CAPTCHA_WIDTH * CAPTCHA_HEIGHT;
  const buf = Buffer.alloc(captchas.length * per);
  captchas.forEach((c, i) => {
    buf.write(c.text, i * per, 'ascii');
    for (let p = 0; p < c.pixels.length; p++) buf[i * per + CAPTCHA_LENGTH + p] = c.pixels[p]!;
  });
  return buf;
}

function decodeSynthCache(buf: Buffer, count: number): SynthCaptcha[] | null {
  const per = CAPTCHA_LENGTH + CAPTCHA_WIDTH * CAPTCHA_HEIGHT;
  if (buf.length !== count * per) return null;
  return Array.from({ length: count }, (_, i) => ({
    text: buf.toString('ascii', i * per, i * per + CAPTCHA_LENGTH),
    pixels: Float32Array.from(buf.subarray(i * per + CAPTCHA_LENGTH, (i + 1) * per)),
  }));
}

/**
 * A folder of captcha images named by their text (e.g. "7K2B.png"), loaded as an
 * import would (SPEC §1 settings: 20×80, Otsu, 4 equal tiles) but held in memory for
 * this run only. Files whose names are not 4 alphabet characters train unlabelled-tile
 * nets only; unreadable files are skipped and reported.
 */
async function captchaFolder(dir: string): Promise<ImageSet> {
  const settings = defaultCaptchaSettings();
  const { files, skipped } = scanFolder(dir, CAPTCHA_EXTENSIONS);
  const rows: CaptchaRow[] = [];
  for (const f of files) {
    try {
      await checkImage(f.path);
      const text = basename(f.name, extname(f.name)).toUpperCase();
      const label = labelProblem(text, settings) ? null : text;
      rows.push({ id: rows.length, dataset: 0, ordinal: rows.length, file: f.name, pixels: await normaliseCaptcha(f.path, settings), label, status: label ? 'labelled' : 'unlabelled', updatedAt: '' });
    } catch (err) {
      skipped.push({ file: f.path, reason: (err as Error).message });
    }
  }
  if (rows.length === 0) throw new MissingDataError(`no readable captcha images (.png, .jpg, .gif, .bmp) in ${dir}`);
  const { tiles, labels } = tilesOf(rows, settings);
  const unlabelled = rows.filter((r) => !r.label).length;
  return {
    images: tiles, count: labels.length, height: CAPTCHA_HEIGHT, width: TILE, channels: 1,
    labels: unlabelled === 0 ? labels : null, classes: CAPTCHA_CLASSES, group: settings.length,
    description: `${labels.length} tiles of ${rows.length} captchas from ${dir}` + (unlabelled ? ` (${unlabelled} without a label in the name)` : ''),
    skipped,
  };
}

/**
 * A folder of face images (or a CelebA download, whose Img/img_align_celeba is used),
 * decoded as the CelebA importer does (FACE_CROP), held in memory: for small folders;
 * `dataset import-celeba` streams large ones from shards.
 */
async function faceFolder(dir: string, size: number): Promise<ImageSet> {
  if (!dir) {
    throw new MissingDataError(
      'CelebA presets need face images: pass --data DIR with a folder of face images ' +
        '(for CelebA, the folder of the official download or its Img/img_align_celeba).',
    );
  }
  const official = join(dir, 'Img', 'img_align_celeba');
  const folder = existsSync(official) ? official : dir;
  const { files: scanned, skipped } = scanFolder(folder, FACE_EXTENSIONS);
  const files = scanned.map((f) => f.path);
  if (files.length === 0) throw new MissingDataError(`no face images (.jpg, .png) in ${folder}`);
  const per = size * size * FACE_CHANNELS;
  const images = new Float32Array(files.length * per);
  let count = 0;
  for (const file of files) {
    try {
      // The importer's decoding, so a folder and its imported shards give the same pixels.
      const raw = await decodeFace(file, size);
      for (let p = 0; p < per; p++) images[count * per + p] = raw[p]! / 255;
      count += 1;
    } catch (err) {
      skipped.push({ file, reason: (err as Error).message });
    }
  }
  return {
    images: images.subarray(0, count * per), count, height: size, width: size, channels: FACE_CHANNELS, labels: null, classes: 0,
    description: `${count} faces from ${folder} at ${size}×${size}`, skipped,
  };
}
