import { createWriteStream, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import yazl from 'yazl';
import { crc32 } from 'node:zlib';
import sharp from 'sharp';
import { synthesizeCaptchas } from '../../src-core/data/captcha-synth.ts';
import { Rng } from '../../src-core/util/rng.ts';

/** A PNG whose header claims `width` × `height` (a decompression bomb's header; no real pixels). */
export function bombPng(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 0, 0, 0, 0], 8); // 8-bit grayscale
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', Buffer.alloc(0)), chunk('IEND', Buffer.alloc(0))]);
}

/**
 * A folder of `count` synthesised captchas saved as PNG files named by their text
 * (some upscaled and in colour, like scraped images), plus one of each kind of bad file.
 */
export async function writeCaptchaFolder(dir: string, count: number, seed = 1): Promise<{ texts: string[]; bad: string[] }> {
  mkdirSync(dir, { recursive: true });
  const captchas = await synthesizeCaptchas(count, seed);
  const texts: string[] = [];
  for (const [i, c] of captchas.entries()) {
    const gray = Buffer.from(c.pixels.map((v) => (v ? 20 : 235)));
    let img = sharp(gray, { raw: { width: 80, height: 20, channels: 1 } });
    if (i % 3 === 0) img = img.resize(160, 40).toColourspace('srgb');
    const ext = i % 5 === 0 ? 'jpg' : 'png';
    await (ext === 'jpg' ? img.jpeg({ quality: 95 }) : img.png()).toFile(join(dir, `${c.text}.${ext}`));
    texts.push(c.text);
  }
  const good = readFileSync(join(dir, `${texts[1]}.png`)); // index 1: a PNG (every fifth is a JPEG)
  writeFileSync(join(dir, 'EMPT.png'), Buffer.alloc(0));
  writeFileSync(join(dir, 'TRNC.png'), good.subarray(0, Math.floor(good.length / 2)));
  writeFileSync(join(dir, 'TEXT.png'), 'this is not an image');
  writeFileSync(join(dir, 'BOMB.png'), bombPng(50_000, 50_000));
  // A name whose bytes are not UTF-8 (0xff).
  writeFileSync(Buffer.concat([Buffer.from(join(dir, 'name-')), Buffer.from([0xff]), Buffer.from('.png')]), good);
  symlinkSync('LOOP.png', join(dir, 'LOOP.png'));
  await sharp(Buffer.alloc(80 * 20, 200), { raw: { width: 80, height: 20, channels: 1 } }).png().toFile(join(dir, 'TOOLONG.png'));
  return { texts, bad: ['EMPT.png', 'TRNC.png', 'TEXT.png', 'BOMB.png', 'LOOP.png', 'name-'] };
}

/** Face-like JPEGs (178×218) of smooth random colour. */
export async function writeFaces(dir: string, names: string[], seed = 3): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const rng = new Rng(seed);
  for (const name of names) {
    const small = Buffer.from(Array.from({ length: 6 * 7 * 3 }, () => Math.floor(rng.uniform() * 256)));
    await sharp(small, { raw: { width: 6, height: 7, channels: 3 } }).resize(178, 218).jpeg().toFile(join(dir, name));
  }
}

export const ATTRIBUTE_NAMES = ['5_o_Clock_Shadow', 'Arched_Eyebrows', 'Smiling', ...Array.from({ length: 37 }, (_, i) => `Attr_${i}`)];

/**
 * A miniature CelebA in the official layout, or its variants: flattened, Kaggle's CSV,
 * torchvision's (the .txt files beside img_align_celeba/), and torchvision's with the
 * official img_align_celeba.zip in place of the folder.
 */
export async function writeCeleba(dir: string, count: number, layout: 'official' | 'flattened' | 'kaggle-csv' | 'torchvision' | 'torchvision-zip'): Promise<string[]> {
  const names = Array.from({ length: count }, (_, i) => `${String(i + 1).padStart(6, '0')}.jpg`);
  const attrs = names.map((_, i) => ATTRIBUTE_NAMES.map((_, a) => ((i + a) % 3 === 0 ? 1 : -1)));
  const partition = names.map((_, i) => (i < count - 2 ? 0 : i === count - 2 ? 1 : 2));
  const imageDir = layout === 'official' ? join(dir, 'Img', 'img_align_celeba') : layout === 'kaggle-csv' ? join(dir, 'img_align_celeba', 'img_align_celeba')
    : layout === 'torchvision' ? join(dir, 'img_align_celeba') : layout === 'torchvision-zip' ? join(dir, 'unzipped', 'img_align_celeba') : dir;
  await writeFaces(imageDir, names);
  if (layout === 'torchvision-zip') await zipFolder(join(dir, 'unzipped'), join(dir, 'img_align_celeba.zip'), true);
  if (layout === 'kaggle-csv') {
    writeFileSync(join(dir, 'list_attr_celeba.csv'), [`image_id,${ATTRIBUTE_NAMES.join(',')}`, ...names.map((n, i) => `${n},${attrs[i]!.join(',')}`)].join('\n'));
    writeFileSync(join(dir, 'list_eval_partition.csv'), ['image_id,partition', ...names.map((n, i) => `${n},${partition[i]}`)].join('\n'));
    return names;
  }
  const anno = layout === 'official' ? join(dir, 'Anno') : dir;
  const evalDir = layout === 'official' ? join(dir, 'Eval') : dir;
  mkdirSync(anno, { recursive: true });
  mkdirSync(evalDir, { recursive: true });
  writeFileSync(join(anno, 'list_attr_celeba.txt'), [String(count), ATTRIBUTE_NAMES.join(' '), ...names.map((n, i) => `${n} ${attrs[i]!.join(' ')}`)].join('\n'));
  writeFileSync(join(anno, 'identity_CelebA.txt'), names.map((n, i) => `${n} ${100 + (i % 4)}`).join('\n'));
  writeFileSync(join(evalDir, 'list_eval_partition.txt'), names.map((n, i) => `${n} ${partition[i]}`).join('\n'));
  return names;
}

/** Zips a folder's files (one level of subfolders, as img_align_celeba.zip holds img_align_celeba/…); optionally removes the folder. */
export async function zipFolder(folder: string, zipPath: string, remove = false): Promise<void> {
  const zip = new yazl.ZipFile();
  for (const sub of readdirSync(folder)) {
    const full = join(folder, sub);
    if (statSync(full).isDirectory()) {
      zip.addEmptyDirectory(`${sub}/`);
      for (const f of readdirSync(full).sort()) zip.addFile(join(full, f), `${sub}/${f}`);
    } else {
      zip.addFile(full, sub);
    }
  }
  zip.end();
  await pipeline(zip.outputStream, createWriteStream(zipPath));
  if (remove) rmSync(folder, { recursive: true, force: true });
}
