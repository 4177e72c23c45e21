import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { defaultCaptchaSettings } from '../../src-core/data/captcha-image.ts';
import { faceDatasetImages, importFaces } from '../../src-core/data/face-shards.ts';
import { importCaptchaFolder } from '../../src-core/data/import-captchas.ts';
import { setLabel } from '../../src-core/data/labels.ts';
import { datasetBundle, installBundle } from '../../src-core/fleet/dataset-bundle.ts';
import { listCaptchas } from '../../src-core/store/captchas.ts';
import { getDataset } from '../../src-core/store/datasets.ts';
import { openStore } from '../../src-core/store/index.ts';
import { writeCaptchaFolder, writeCeleba } from '../datasets/fixtures.ts';
import { tempDir } from '../helpers.ts';

describe('dataset bundles (what a fleet worker fetches once by checksum)', () => {
  it('a captcha dataset arrives with its pixels and labels; a label change makes a new bundle; installing twice installs once', async () => {
    const coordinator = tempDir();
    const db = openStore(coordinator);
    const folder = join(tempDir(), 'caps');
    await writeCaptchaFolder(folder, 12, 3);
    const { dataset } = await importCaptchaFolder(db, folder, { settings: defaultCaptchaSettings(), labelsFromFilenames: true });
    const first = datasetBundle(db, coordinator, dataset.id);
    assert.equal(datasetBundle(db, coordinator, dataset.id).sha256, first.sha256, 'cached while nothing changes');
    const worker = tempDir();
    const wdb = openStore(worker);
    const local = installBundle(wdb, worker, readFileSync(first.path), first.sha256);
    assert.equal(installBundle(wdb, worker, readFileSync(first.path), first.sha256), local);
    const row = (d: { file: string; label: string | null; pixels: Uint8Array }) => [d.file, d.label, Buffer.from(d.pixels).toString('base64')];
    assert.deepEqual(listCaptchas(wdb, local).map(row), listCaptchas(db, dataset.id).map(row));
    const c = listCaptchas(db, dataset.id)[0]!;
    setLabel(db, c.id, 'ZZZZ');
    assert.notEqual(datasetBundle(db, coordinator, dataset.id).sha256, first.sha256, 'labels changed: a new bundle');
    db.close();
    wdb.close();
  });

  it('a face dataset arrives as its shards, streamed for training with the same pixels', async () => {
    const dir = tempDir();
    await writeCeleba(dir, 6, 'flattened');
    const coordinator = tempDir();
    const db = openStore(coordinator);
    const r = await importFaces(db, coordinator, dir, { size: 64, recordsPerShard: 4 });
    const bundle = datasetBundle(db, coordinator, r.dataset.id);
    const worker = tempDir();
    const wdb = openStore(worker);
    const local = installBundle(wdb, worker, readFileSync(bundle.path), bundle.sha256);
    const read = (d: ReturnType<typeof getDataset>) => {
      const set = faceDatasetImages(d, 64);
      const out = new Float32Array(set.count * 64 * 64 * 3);
      for (let i = 0; i < set.count; i++) set.read!(i, out, i * 64 * 64 * 3);
      set.close?.();
      return out;
    };
    assert.deepEqual(read(getDataset(wdb, local)), read(getDataset(db, r.dataset.id)));
    db.close();
    wdb.close();
  });
});
