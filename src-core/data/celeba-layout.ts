import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
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
  imageDir: string;
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

/**
 * Recognises the official layout (Img/img_align_celeba, Anno/list_attr_celeba.txt,
 * Anno/identity_CelebA.txt, Eval/list_eval_partition.txt), the same files in one
 * folder, Kaggle's CSV variant (list_attr_celeba.csv, list_eval_partition.csv, images
 * in img_align_celeba[/img_align_celeba]) and a plain folder of face images.
 */
export function detectCelebaLayout(dir: string, hasImages: (d: string) => boolean): CelebaLayout {
  const officialImages = join(dir, 'Img', 'img_align_celeba');
  if (existsSync(officialImages)) {
    return {
      kind: 'official', imageDir: officialImages,
      annotations: readTxtAnnotations(join(dir, 'Anno', 'list_attr_celeba.txt'), join(dir, 'Eval', 'list_eval_partition.txt'), join(dir, 'Anno', 'identity_CelebA.txt')),
    };
  }
  const csvAttr = firstExisting(dir, ['list_attr_celeba.csv']);
  if (csvAttr) {
    const imageDir = firstExisting(dir, [join('img_align_celeba', 'img_align_celeba'), 'img_align_celeba']) ?? dir;
    return { kind: 'kaggle-csv', imageDir, annotations: readCsvAnnotations(csvAttr, join(dir, 'list_eval_partition.csv'), join(dir, 'identity_CelebA.txt')) };
  }
  const flatAttr = firstExisting(dir, ['list_attr_celeba.txt']);
  if (flatAttr) {
    return { kind: 'flattened', imageDir: dir, annotations: readTxtAnnotations(flatAttr, join(dir, 'list_eval_partition.txt'), join(dir, 'identity_CelebA.txt')) };
  }
  if (hasImages(dir)) return { kind: 'image-folder', imageDir: dir, annotations: null };
  throw new CelebaLayoutError(
    `${dir} is not a CelebA folder: expected Img/img_align_celeba/ with Anno/list_attr_celeba.txt, Anno/identity_CelebA.txt and ` +
      'Eval/list_eval_partition.txt (the official layout); or those files flattened into one folder with the images; or ' +
      "Kaggle's list_attr_celeba.csv and list_eval_partition.csv beside img_align_celeba/; or a folder of face images (.jpg, .png)",
  );
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
