import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { CELEBA_LAYOUT_KINDS } from '../domain/datasets.ts';
import { InvalidInputError } from '../domain/errors.ts';

/** The 40 CelebA attributes, in the official files' order (used when a set has none). */
export interface CelebaAnnotations {
  attributeNames: string[];
  /** Per image file name: ±1 per attribute. */
  attributes: Map<string, Int8Array>;
  /** 0 train, 1 validation, 2 test. */
  partition: Map<string, number>;
  identity: Map<string, number>;
}

export interface CelebaLayout {
  kind: (typeof CELEBA_LAYOUT_KINDS)[number];
  /** The folder of images, or the zip holding them when `zipped`. */
  imageDir: string;
  zipped: boolean;
  annotations: CelebaAnnotations | null;
}

/** A folder that holds no CelebA layout (and no images): the message says what was expected. */
export class CelebaLayoutError extends InvalidInputError {
  override name = 'CelebaLayoutError';
  constructor(message: string) {
    super(message, 'folder');
  }
}

function firstExisting(dir: string, candidates: string[]): string | null {
  for (const c of candidates) if (existsSync(join(dir, c))) return join(dir, c);
  return null;
}

const ZIP = 'img_align_celeba.zip';

/** CelebA's aligned images beside annotation files: the folder (possibly nested once, as Kaggle ships it) or the official zip. */
function imagesBeside(dir: string, hasImages: (d: string) => boolean): { imageDir: string; zipped: boolean } | null {
  for (const folder of [join('img_align_celeba', 'img_align_celeba'), 'img_align_celeba']) {
    const d = join(dir, folder);
    if (isDirectory(d) && hasImages(d)) return { imageDir: d, zipped: false };
  }
  return isFile(join(dir, ZIP)) ? { imageDir: join(dir, ZIP), zipped: true } : null;
}

/**
 * Recognises, for a folder (or the zip itself):
 *  official:     Img/img_align_celeba/ (or Img/img_align_celeba.zip), Anno/list_attr_celeba.txt,
 *                Anno/identity_CelebA.txt, Eval/list_eval_partition.txt;
 *  torchvision:  the annotation .txt files at the top of a folder, beside img_align_celeba/ or
 *                img_align_celeba.zip (what torchvision.datasets.CelebA and most PyTorch code use;
 *                its root, holding celeba/, works too);
 *  kaggle-csv:   list_attr_celeba.csv and list_eval_partition.csv beside img_align_celeba[/img_align_celeba];
 *  flattened:    the annotation .txt files and the images in one folder;
 *  zip:          a zip of images given directly (annotations read from beside it, if there);
 *  image-folder: a plain folder of face images.
 * Anything else is a CelebaLayoutError saying what was expected.
 */
export function detectCelebaLayout(dir: string, hasImages: (d: string) => boolean): CelebaLayout {
  if (isFile(dir)) {
    if (!dir.toLowerCase().endsWith('.zip')) throw new CelebaLayoutError(`${dir} is a file: give a CelebA folder, or a zip of face images such as ${ZIP}`);
    const beside = dirname(dir);
    const officialAnno = isDirectory(join(beside, '..', 'Anno'));
    const annoDir = officialAnno ? join(beside, '..') : beside;
    return {
      kind: 'zip', imageDir: dir, zipped: true,
      annotations: officialAnno
        ? readTxtAnnotations(join(annoDir, 'Anno', 'list_attr_celeba.txt'), join(annoDir, 'Eval', 'list_eval_partition.txt'), join(annoDir, 'Anno', 'identity_CelebA.txt'))
        : readTxtAnnotations(join(beside, 'list_attr_celeba.txt'), join(beside, 'list_eval_partition.txt'), join(beside, 'identity_CelebA.txt')),
    };
  }
  const officialImages = join(dir, 'Img', 'img_align_celeba');
  const officialZip = join(dir, 'Img', ZIP);
  if (isDirectory(officialImages) || isFile(officialZip)) {
    const zipped = !isDirectory(officialImages);
    return {
      kind: 'official', imageDir: zipped ? officialZip : officialImages, zipped,
      annotations: readTxtAnnotations(join(dir, 'Anno', 'list_attr_celeba.txt'), join(dir, 'Eval', 'list_eval_partition.txt'), join(dir, 'Anno', 'identity_CelebA.txt')),
    };
  }
  const csvAttr = firstExisting(dir, ['list_attr_celeba.csv']);
  if (csvAttr) {
    const images = imagesBeside(dir, hasImages) ?? { imageDir: dir, zipped: false };
    return { kind: 'kaggle-csv', ...images, annotations: readCsvAnnotations(csvAttr, join(dir, 'list_eval_partition.csv'), join(dir, 'identity_CelebA.txt')) };
  }
  const txtAttr = firstExisting(dir, ['list_attr_celeba.txt']);
  if (txtAttr) {
    const annotations = readTxtAnnotations(txtAttr, join(dir, 'list_eval_partition.txt'), join(dir, 'identity_CelebA.txt'));
    const images = imagesBeside(dir, hasImages);
    if (images) return { kind: 'torchvision', ...images, annotations };
    if (hasImages(dir)) return { kind: 'flattened', imageDir: dir, zipped: false, annotations };
    throw new CelebaLayoutError(
      `${dir} has CelebA's annotation files but no images: expected img_align_celeba/ (a folder of .jpg) or ${ZIP} beside them, or the images in the same folder`,
    );
  }
  if (isDirectory(join(dir, 'celeba')) && existsSync(join(dir, 'celeba', 'list_attr_celeba.txt'))) {
    return detectCelebaLayout(join(dir, 'celeba'), hasImages); // torchvision's root
  }
  if (isFile(join(dir, ZIP))) return detectCelebaLayout(join(dir, ZIP), hasImages);
  if (hasImages(dir)) return { kind: 'image-folder', imageDir: dir, zipped: false, annotations: null };
  throw new CelebaLayoutError(
    `${dir} is not a CelebA folder: expected Img/img_align_celeba/ with Anno/list_attr_celeba.txt, Anno/identity_CelebA.txt and ` +
      'Eval/list_eval_partition.txt (the official layout); or those .txt files beside img_align_celeba/ or img_align_celeba.zip ' +
      "(torchvision's layout); or Kaggle's list_attr_celeba.csv and list_eval_partition.csv beside img_align_celeba/; " +
      'or a folder of face images (.jpg, .png), or a zip of them',
  );
}

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/** Annotation files are optional beside the images: a missing one leaves its fields unknown (0 / 255). */
function readTxtAnnotations(attrFile: string, partitionFile: string, identityFile: string): CelebaAnnotations {
  const lines = existsSync(attrFile) ? readFileSync(attrFile, 'utf8').split(/\r?\n/).filter((l) => l.trim()) : ['0', ''];
  const attributeNames = lines[1]!.trim().split(/\s+/).filter(Boolean);
  const attributes = new Map<string, Int8Array>();
  for (const line of lines.slice(2)) {
    const [file, ...values] = line.trim().split(/\s+/);
    attributes.set(file!, Int8Array.from(values, Number));
  }
  return { attributeNames, attributes, partition: readPairs(partitionFile, /\s+/), identity: readPairs(identityFile, /\s+/) };
}

function readCsvAnnotations(attrFile: string, partitionFile: string, identityFile: string): CelebaAnnotations {
  const lines = readFileSync(attrFile, 'utf8').split(/\r?\n/).filter((l) => l.trim());
  const attributeNames = lines[0]!.split(',').slice(1).map((s) => s.trim());
  const attributes = new Map<string, Int8Array>();
  for (const line of lines.slice(1)) {
    const [file, ...values] = line.split(',');
    attributes.set(file!.trim(), Int8Array.from(values, Number));
  }
  return { attributeNames, attributes, partition: readPairs(partitionFile, /,/, true), identity: readPairs(identityFile, /\s+/) };
}

function readPairs(file: string, sep: RegExp, header = false): Map<string, number> {
  const out = new Map<string, number>();
  if (!existsSync(file)) return out;
  const lines = readFileSync(file, 'utf8').split(/\r?\n/).filter((l) => l.trim());
  for (const line of lines.slice(header ? 1 : 0)) {
    const [name, value] = line.trim().split(sep);
    if (name && value !== undefined && Number.isFinite(Number(value))) out.set(name.trim(), Number(value));
  }
  return out;
}
