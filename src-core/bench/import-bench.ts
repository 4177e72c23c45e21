import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { importFaces } from '../data/face-shards.ts';
import { openStore } from '../store/index.ts';
import { Rng } from '../util/rng.ts';

/** Real CelebA faces when the shared sample is beside the checkout; otherwise smooth synthetic 178×218 JPEGs. */
const SAMPLE = join(import.meta.dirname, '..', '..', '..', 'shared', 'data', 'celeba-sample', 'Img', 'img_align_celeba');

async function fixture(dir: string, count: number): Promise<string> {
  const images = join(dir, 'Img', 'img_align_celeba');
  mkdirSync(images, { recursive: true });
  if (existsSync(SAMPLE)) {
    const src = readdirSync(SAMPLE).filter((f) => f.endsWith('.jpg')).sort();
    for (let i = 0; i < count; i++) copyFileSync(join(SAMPLE, src[i % src.length]!), join(images, `${String(i + 1).padStart(6, '0')}.jpg`));
    return `${count} copies of the ${src.length} real CelebA faces in shared/data`;
  }
  const rng = new Rng(1);
  for (let i = 0; i < count; i++) {
    const small = Buffer.from(Array.from({ length: 12 * 14 * 3 }, () => Math.floor(rng.uniform() * 256)));
    const img = await sharp(small, { raw: { width: 12, height: 14, channels: 3 } }).resize(178, 218).jpeg({ quality: 90 }).toBuffer();
    await sharp(img).toFile(join(images, `${String(i + 1).padStart(6, '0')}.jpg`));
  }
  return `${count} synthetic smooth 178×218 JPEGs`;
}

/** CelebA-layout import throughput to 64² and 128² shards (target: ≥ 1,000 images/s). */
export async function benchImport(count = 2000): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'gwb-bench-import-'));
  try {
    const what = await fixture(join(root, 'celeba'), count);
    console.log(`fixture: ${what}`);
    for (const size of [64, 128] as const) {
      const home = join(root, `home-${size}`);
      const db = openStore(home);
      const t0 = performance.now();
      const r = await importFaces(db, home, join(root, 'celeba'), { size });
      const seconds = (performance.now() - t0) / 1000;
      db.close();
      console.log(`import to ${size}² shards: ${r.records} images in ${seconds.toFixed(2)} s = ${Math.round(r.records / seconds)} images/s ` +
        `(full CelebA, 202,599 images: ${(202_599 / (r.records / seconds) / 60).toFixed(1)} min)`);
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
