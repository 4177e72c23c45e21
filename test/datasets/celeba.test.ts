import assert from 'node:assert/strict';
import { openSync, readFileSync, readSync, closeSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CelebaLayoutError } from '../../src-core/data/celeba-layout.ts';
import { areaResizeRgb } from '../../src-core/data/area-resize.ts';
import { faceDatasetImages, importFaces, recordBytes, ShardError, type FaceSettings } from '../../src-core/data/face-shards.ts';
import { BatchSampler } from '../../src-core/data/sampler.ts';
import { openStore } from '../../src-core/store/index.ts';
import { getDataset, listDatasets } from '../../src-core/store/datasets.ts';
import { UserError } from '../../src-core/domain/errors.ts';
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
  // torchvision-zip: torchvision's layout with the official img_align_celeba.zip, read in place.
  for (const layout of ['official', 'flattened', 'kaggle-csv', 'torchvision', 'torchvision-zip'] as const) {
    it(`reads the ${layout} layout: faces, attributes and partition into shards`, async () => {
      const dir = tempDir();
      await writeCeleba(dir, 7, layout);
      const home = tempDir();
      const db = openStore(home);
      const r = await importFaces(db, home, dir, { size: 64 });
      assert.equal(r.records, 7);
      const s = getDataset(db, r.dataset.id).settings as FaceSettings;
      assert.equal(s.layout, layout === 'torchvision-zip' ? 'torchvision' : layout);
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

  it('the zip in place of the folder gives the same pixels; a zip given directly, its root, a damaged zip and missing images', async () => {
    const plain = tempDir();
    await writeCeleba(plain, 5, 'torchvision');
    const zipped = tempDir();
    await writeCeleba(zipped, 5, 'torchvision-zip');
    const home = tempDir();
    const db = openStore(home);
    const shardBytes = (id: number) => Buffer.concat((getDataset(db, id).settings as FaceSettings).shards.map((sh) => readFileSync(sh.file)));
    const fromFolder = await importFaces(db, home, plain, { size: 64 });
    const fromZip = await importFaces(db, home, zipped, { size: 64 });
    assert.ok(shardBytes(fromFolder.dataset.id).equals(shardBytes(fromZip.dataset.id)), 'the zip and the folder give the same records');
    // The zip itself (annotations read from beside it), and torchvision's root (the folder holding celeba/).
    const direct = await importFaces(db, home, join(zipped, 'img_align_celeba.zip'), { size: 64 });
    assert.equal((getDataset(db, direct.dataset.id).settings as FaceSettings).layout, 'zip');
    assert.ok(shardBytes(direct.dataset.id).equals(shardBytes(fromFolder.dataset.id)));
    const root = tempDir();
    await writeCeleba(join(root, 'celeba'), 3, 'torchvision');
    assert.equal((await importFaces(db, home, root, { size: 64 })).records, 3);
    // A damaged zip and annotation files without images: one sentence each, nothing imported.
    const broken = tempDir();
    await writeCeleba(broken, 3, 'torchvision-zip');
    const zip = join(broken, 'img_align_celeba.zip');
    writeFileSync(zip, readFileSync(zip).subarray(0, 200));
    const before = listDatasets(db).length;
    await assert.rejects(importFaces(db, home, broken, { size: 64 }), (e: unknown) => e instanceof UserError && /img_align_celeba\.zip is not a readable zip file/.test(e.message));
    const noImages = tempDir();
    await writeCeleba(noImages, 3, 'torchvision');
    rmSync(join(noImages, 'img_align_celeba'), { recursive: true });
    await assert.rejects(importFaces(db, home, noImages, { size: 64 }), (e: unknown) =>
      e instanceof CelebaLayoutError && /annotation files but no images: expected img_align_celeba\/ .* or img_align_celeba\.zip/.test(e.message));
    assert.equal(listDatasets(db).length, before);
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
    // A shard damaged after import is refused when read, naming it; a truncated one before training starts.
    const shard = (getDataset(db, r.dataset.id).settings as unknown as FaceSettings).shards[0]!.file;
    const bytes = readFileSync(shard);
    bytes[100] = (bytes[100]! + 1) % 256;
    writeFileSync(shard, bytes);
    const damaged = faceDatasetImages(getDataset(db, r.dataset.id), 64);
    assert.throws(() => new BatchSampler(damaged, 5, 1).next(), (e: Error) => e instanceof ShardError && e.message.includes(shard) && /checksum/.test(e.message));
    damaged.close?.();
    writeFileSync(shard, bytes.subarray(0, bytes.length - 7));
    assert.throws(() => faceDatasetImages(getDataset(db, r.dataset.id), 64), (e: Error) => e instanceof ShardError && /truncated/.test(e.message));
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
