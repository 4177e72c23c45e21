import { lstatSync, readdirSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import sharp, { type Metadata } from 'sharp';
import { InvalidInputError } from '../domain/errors.ts';

/** Refuse to decode images above this many pixels (decompression bombs), checked from the header. */
export const MAX_PIXELS = 40_000_000;

export interface ScannedFile {
  /** A path usable for reading (a Buffer when the name is not valid UTF-8). */
  path: string;
  name: string;
}

export interface Skipped {
  file: string;
  reason: string;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The candidate files directly in `dir`, sorted by name; names that are not UTF-8,
 * symlink loops and dangling links are reported instead of followed or guessed.
 */
export function scanFolder(dir: string, extensions: Set<string>): { files: ScannedFile[]; skipped: Skipped[] } {
  const files: ScannedFile[] = [];
  const skipped: Skipped[] = [];
  let entries: Buffer[];
  try {
    entries = readdirSync(dir, { encoding: 'buffer' });
  } catch (err) {
    throw new InvalidInputError(`cannot read the folder ${dir}: ${(err as Error).message}`, 'folder', 'cannot read the folder');
  }
  for (const raw of entries.sort(Buffer.compare)) {
    let name: string;
    try {
      name = utf8.decode(raw);
    } catch {
      skipped.push({ file: join(dir, raw.toString('latin1')), reason: `file name is not valid UTF-8 (bytes ${raw.toString('hex')})` });
      continue;
    }
    if (!extensions.has(extname(name).toLowerCase())) continue;
    const path = join(dir, name);
    try {
      if (lstatSync(path).isSymbolicLink()) statSync(path); // throws ELOOP / ENOENT for loops and dangling links
      if (!statSync(path).isFile()) continue;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      skipped.push({ file: path, reason: code === 'ELOOP' ? 'symbolic link loop' : code === 'ENOENT' ? 'dangling symbolic link' : (err as Error).message });
      continue;
    }
    files.push({ path, name });
  }
  return { files, skipped };
}

/**
 * Checks an image file without decoding its pixels: empty files, non-images and
 * decompression bombs (pixel count from the header) are refused with the reason.
 */
export async function checkImage(path: string): Promise<{ width: number; height: number }> {
  if (statSync(path).size === 0) throw new Error('empty file (0 bytes)');
  let meta: Metadata;
  try {
    meta = await sharp(path, { limitInputPixels: false }).metadata();
  } catch (err) {
    throw new Error(`not a readable image (${(err as Error).message})`);
  }
  const { width = 0, height = 0 } = meta;
  if (!width || !height) throw new Error('image has no dimensions');
  if (width * height > MAX_PIXELS) {
    throw new Error(`decompression bomb refused: ${width}×${height} = ${(width * height).toLocaleString('en')} pixels exceeds ${MAX_PIXELS.toLocaleString('en')}`);
  }
  return { width, height };
}
