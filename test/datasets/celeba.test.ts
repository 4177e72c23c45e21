import assert from 'node:assert/strict';
import { openSync, readSync, closeSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CelebaLayoutError } from '../../src-core/data/celeba-layout.ts';
import { areaResizeRgb } from '../../src-core/data/area-resize.ts';
import { faceDatasetImages, importFaces, recordBytes, type FaceSettings } from '../../src-core/data/face-shards.ts';
import { BatchSampler } from '../../src-core/data/sampler.ts';
import { openStore } from '../../src-core/store/index.ts';
import { getDataset } from '../../src-core/store/datasets.ts';
import { tempDir } from '../helpers.ts';
import { ATTRIBUTE_NAMES, writeCeleba, writeFaces } from './fixtures.ts';

/** Every record of a dataset's shards: source index, attributes, partition, identity. */
function records(settings: FaceSettings): { source: number; attrs: number[]; partition: number; identity: number }[] {
  const out = [];
  const R = settings.recordBytes;
  const px = settings.size * settings.size * 3;
  for (const sh of settings.shards) {
    const fd = openSync(sh.file, 'r');
    const buf = Buffer.alloc(sh.records * R);
    readSync(fd, buf, 0, buf.length, 0);
    closeSync(fd);
    for (let i = 0; i < sh.records; i++) {
      const at = i * R + px;
      out.push({
        attrs: Array.from(buf.subarray(at, at + 40), (b) => (b > 127 ? b - 256 : b)), partition: buf[at + 40]!,
        identity: buf.readUInt32LE(at + 41), source: buf.readUInt32LE(at + 45),
      });
    }
  }
  return out;
}

describe('CelebA importer', () => {
  for (const layout of ['official', 'flattened', 'kaggle-csv'] as const) {
    it(`reads the ${layout} layout: faces, attributes and partition into shards`, async () => {
      const dir = tempDir();
      await writeCeleba(dir, 7, layout);
      const home = tempDir();
      const db = openStore(home);
      const r = await importFaces(db, home, dir, { size: 64 });
      assert.equal(r.records, 7);
      const s = getDataset(db, r.dataset.id).settings as unknown as FaceSettings;
      assert.equal(s.layout, layout);
      assert.equal(s.complete, true);
      assert.deepEqual(s.attributeNames, ATTRIBUTE_NAMES);
      assert.equal(s.recordBytes, recordBytes(64));
      const recs = records(s);
      assert.deepEqual(recs.map((x) => x.source), [0, 1, 2, 3, 4, 5, 6]);
      assert.deepEqual(recs[1]!.attrs.slice(0, 3), [-1, -1, 1], 'image 2 (i = 1): +1 where (1 + a) % 3 === 0, i.e. attribute 2');
      assert.deepEqual(recs.map((x) => x.partition), [0, 0, 0, 0, 0, 1, 2]);
      if (layout !== 'kaggle-csv') assert.deepEqual(recs.slice(0, 4).map((x) => x.identity), [100, 101, 102, 103]);
      db.close();
    });
  }

  it('a plain folder of faces imports without annotations; a folder that is not CelebA names what was expected', async () => {
    const dir = tempDir();
    await writeFaces(dir, ['a.jpg', 'b.png', 'c.jpg']);
    writeFileSync(join(dir, 'broken.jpg'), 'not a jpeg');
    const home = tempDir();
    const db = openStore(home);
    const r = await importFaces(db, home, dir, { size: 64 });
    assert.equal(r.records, 3);
    assert.equal(r.skipped.length, 1);
    assert.match(r.skipped[0]!.reason, /not a readable image/);
    const empty = tempDir();
    writeFileSync(join(empty, 'readme.txt'), 'hello');
    await assert.rejects(importFaces(db, home, empty, { size: 64 }), (e: unknown) =>
      e instanceof CelebaLayoutError && /Img\/img_align_celeba/.test(e.message) && /list_eval_partition\.txt/.test(e.message) && /list_attr_celeba\.csv/.test(e.message));
    db.close();
  });

  it('cancelled mid-way, the same import resumes without duplicates or gaps', async () => {
    const dir = tempDir();
    await writeCeleba(dir, 40, 'official');
    const home = tempDir();
    const db = openStore(home);
    const abort = new AbortController();
    const first = await importFaces(db, home, dir, {
      size: 64, concurrency: 2, signal: abort.signal, onProgress: (done) => done >= 10 && abort.abort(),
    });
    assert.equal(first.cancelled, true);
    assert.ok(first.records >= 10 && first.records < 40, `${first.records} before the cancel`);
    const second = await importFaces(db, home, dir, { size: 64, concurrency: 2 });
    assert.equal(second.resumed, true);
    assert.equal(second.dataset.id, first.dataset.id);
    assert.equal(second.records, 40);
    const recs = records(getDataset(db, second.dataset.id).settings as unknown as FaceSettings);
    assert.deepEqual(recs.map((x) => x.source), Array.from({ length: 40 }, (_, i) => i));
    db.close();
  });

  it('training streams faces from the shards with the same pixels as the importer wrote', async () => {
    const dir = tempDir();
    await writeCeleba(dir, 5, 'flattened');
    const home = tempDir();
    const db = openStore(home);
    const r = await importFaces(db, home, dir, { size: 64 });
    const set = faceDatasetImages(getDataset(db, r.dataset.id), 64);
    assert.equal(set.images.length, 0, 'nothing held in memory');
    const batch = new BatchSampler(set, 5, 1).next().images;
    assert.ok(batch.every((v) => v >= 0 && v <= 1));
    assert.ok(batch.some((v) => v > 0.05 && v < 0.95));
    set.close?.();
    assert.throws(() => faceDatasetImages(getDataset(db, r.dataset.id), 128), /holds 64² faces/);
    db.close();
  });
});

describe('area-average resize', () => {
  it('keeps a flat image flat and averages 2×2 blocks at half size', () => {
    const flat = new Uint8Array(10 * 10 * 3).fill(77);
    assert.ok(areaResizeRgb(flat, 10, { x: 0, y: 0, w: 10, h: 10 }, 4, 4).every((v) => v === 77));
    const img = Uint8Array.from({ length: 4 * 4 * 3 }, (_, i) => (Math.floor(i / 3) % 2 === 0 ? 0 : 200));
    assert.deepEqual(Array.from(areaResizeRgb(img, 4, { x: 0, y: 0, w: 4, h: 4 }, 2, 2)), Array(12).fill(100));
    const cropped = areaResizeRgb(img, 4, { x: 1, y: 0, w: 1, h: 4 }, 1, 2);
    assert.deepEqual(Array.from(cropped), Array(6).fill(200));
  });
});
