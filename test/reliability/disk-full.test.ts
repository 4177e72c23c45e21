/**
 * A full disk: the home on a tiny tmpfs (CI runs as root; where mounting is refused
 * the test says so and skips). Training, importing and labelling then fail with a
 * message that says the disk is full, nothing acknowledged before is lost, and once
 * space is freed the store opens sound.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { defaultCaptchaSettings } from '../../src-core/data/captcha-image.ts';
import { asDiskFull, DiskFullError } from '../../src-core/domain/errors.ts';
import { importCaptchaFolder } from '../../src-core/data/import-captchas.ts';
import { setLabel } from '../../src-core/data/labels.ts';
import { resolveConfig } from '../../src-core/presets/resolve.ts';
import { createRun } from '../../src-core/runner/run-folder.ts';
import { runJob } from '../../src-core/runner/run-job.ts';
import { listCaptchas } from '../../src-core/store/captchas.ts';
import { openStore } from '../../src-core/store/index.ts';
import { writeCaptchaFolder } from '../datasets/fixtures.ts';
import { tempDir } from '../helpers.ts';

/** Fills the filesystem holding `dir` to the last byte; returns the filler's path. */
function fill(dir: string): string {
  const filler = join(dir, 'filler');
  const fd = openSync(filler, 'w');
  const chunk = Buffer.alloc(64 * 1024, 1);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
    // The last partial chunk too.
    try {
      for (;;) writeSync(fd, chunk, 0, 512);
    } catch { /* full */ }
  } finally {
    closeSync(fd);
  }
  return filler;
}

const FULL = /disk is full/i;

describe('a full disk', () => {
  it('training, import and label saves fail saying the disk is full; nothing acknowledged is lost; the store opens', async (t) => {
    // Not tempDir(): its clean-up would try to remove the folder while the tmpfs is still mounted on it.
    const mountPoint = mkdtempSync(join(tmpdir(), 'gwb-tmpfs-'));
    const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=3m', 'tmpfs', mountPoint], { encoding: 'utf8' });
    if (mounted.status !== 0) {
      rmSync(mountPoint, { recursive: true, force: true });
      t.skip(`cannot mount a tmpfs here (${(mounted.stderr || mounted.error?.message || '').trim()}); run as root to test a full disk`);
      return;
    }
    after(() => {
      spawnSync('umount', ['-l', mountPoint]);
      rmSync(mountPoint, { recursive: true, force: true });
    });
    const home = join(mountPoint, 'home');
    mkdirSync(home);
    const folder = join(tempDir(), 'captchas');
    await writeCaptchaFolder(folder, 24, 6);
    const settings = defaultCaptchaSettings();
    const db = openStore(home);
    const { dataset } = await importCaptchaFolder(db, folder, { settings, labelsFromFilenames: false });
    const captchas = listCaptchas(db, dataset.id);
    const acknowledged = new Map<number, string>();
    const A = settings.alphabet;
    const label = (i: number) => `${A[i % A.length]}${A[(i + 3) % A.length]}${A[(i + 5) % A.length]}${A[(i + 7) % A.length]}`;
    for (const c of captchas.slice(0, 6)) {
      setLabel(db, c.id, label(c.id));
      acknowledged.set(c.id, label(c.id));
    }

    const run = createRun(db, home, resolveConfig('captcha-fc-wgan', { steps: '20', batchSize: '8', 'data.count': '32', checkpointEvery: '5', sampleEvery: '0' }), 'wasm');
    const filler = fill(mountPoint);
    const failures: string[] = [];
    // Label saves: each either lands (and is then acknowledged) or fails saying why.
    for (const c of captchas.slice(6, 14)) {
      try {
        setLabel(db, c.id, label(c.id));
        acknowledged.set(c.id, label(c.id));
      } catch (err) {
        // What the app and the CLI show for it: one sentence, the user's to fix.
        assert.ok(asDiskFull(err) instanceof DiskFullError, String(err));
        failures.push('label');
      }
    }
    await assert.rejects(importCaptchaFolder(db, folder, { settings, name: 'second' }), (err: Error) => {
      assert.ok(asDiskFull(err) instanceof DiskFullError, String(err));
      failures.push('import');
      return true;
    });
    await assert.rejects(runJob({ home, db, run, resume: false, shouldStop: () => false, emit: () => {} }), (err: Error) => {
      assert.match(err.message, FULL);
      failures.push(`training (${err.message.slice(0, 80)})`);
      return true;
    });
    assert.ok(failures.includes('import') && failures.some((f) => f.startsWith('training')), failures.join(', '));
    db.close();

    // The store opens on the full disk, and again once space is freed: sound, every acknowledged label there.
    const full = openStore(home, { warn: () => {} });
    assert.equal(String(full.pragma('quick_check', { simple: true })), 'ok');
    full.close();
    rmSync(filler);
    const after2 = openStore(home);
    assert.equal(String(after2.pragma('integrity_check', { simple: true })), 'ok');
    const stored = new Map(listCaptchas(after2, dataset.id).map((c) => [c.id, c.label]));
    for (const [id, l] of acknowledged) assert.equal(stored.get(id), l, `captcha ${id}`);
    after2.close();
    t.diagnostic(`failed cleanly: ${failures.join(', ')}; ${acknowledged.size} labels acknowledged, none lost`);
  });
});
