import { readdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import sharp from 'sharp';

export const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg', '.gif', '.bmp', '.webp']);
/** Refuse to decode images above this many pixels (decompression bombs). */
export const MAX_INPUT_PIXELS = 50_000_000;

/** Image files directly in `dir`, sorted by name so every run sees the same order. */
export async function listImages(dir: string): Promise<string[]> {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch (err) {
    throw new Error(`cannot read the data folder ${dir}: ${(err as Error).message}`);
  }
  const files: string[] = [];
  for (const name of entries.sort()) {
    if (!IMAGE_EXTENSIONS.has(extname(name).toLowerCase())) continue;
    const full = join(dir, name);
    if ((await stat(full).catch(() => null))?.isFile()) files.push(full);
  }
  return files;
}

/** Decodes one image file to raw pixels of the given size, or explains why it cannot. */
export async function decodeTo(
  file: string, width: number, height: number, channels: 1 | 3, fit: 'fill' | 'cover',
): Promise<Buffer> {
  let img = sharp(file, { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'truncated' }).rotate();
  img = img.resize(width, height, { fit, position: 'centre' }).removeAlpha();
  img = channels === 1 ? img.grayscale() : img.toColourspace('srgb');
  const { data, info } = await img.raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== channels) throw new Error(`decoded to ${info.channels} channels, expected ${channels}`);
  return data;
}
