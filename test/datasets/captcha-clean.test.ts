import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { cleanCaptcha, median3, removeThinStrokes } from '../../src-core/data/captcha-clean.ts';
import { defaultCaptchaSettings } from '../../src-core/data/captcha-image.ts';
import { importCaptchaFolder } from '../../src-core/data/import-captchas.ts';
import { openStore } from '../../src-core/store/index.ts';
import { listCaptchas } from '../../src-core/store/captchas.ts';
import { getDataset } from '../../src-core/store/datasets.ts';
import { previewCaptchaFolder } from '../../src-core/workbench/datasets.ts';
import { tempDir } from '../helpers.ts';

const W = 24;
const H = 12;
/** Paper (200) with a 4×6 block of ink (10) — a thick "character" — and a 1-pixel line (20) across the whole width. */
function lined(): Uint8Array {
  const g = new Uint8Array(W * H).fill(200);
  for (let y = 3; y < 9; y++) for (let x = 10; x < 14; x++) g[y * W + x] = 10;
  for (let x = 0; x < W; x++) g[5 * W + x] = 20;
  return g;
}

describe('captcha clean-up (dataset setting preprocess)', () => {
  it('the median filter removes isolated dots and keeps a solid stroke', () => {
    const g = new Uint8Array(W * H).fill(255);
    g[2 * W + 3] = 0; // a dot
    for (let y = 6; y < 10; y++) for (let x = 12; x < 16; x++) g[y * W + x] = 0; // a 4×4 block
    const m = median3(g, W, H);
    assert.equal(m[2 * W + 3], 255, 'the dot is gone');
    assert.equal(m[7 * W + 13], 0, 'the block stays');
    assert.equal(m.filter((v) => v === 0).length, 16 - 4, 'only the block\'s corners round off');
  });

  it('removing strokes thinner than 2 px takes the line, keeps the block, and fills with the paper around', () => {
    const out = removeThinStrokes(lined(), W, H, 2, 'otsu');
    for (let x = 0; x < W; x++) {
      const inBlock = x >= 10 && x < 14;
      assert.equal(out[5 * W + x], inBlock ? 20 : 200, `row 5, column ${x}`);
    }
    for (let y = 3; y < 9; y++) for (let x = 10; x < 14; x++) assert.ok(out[y * W + x]! <= 20, `block pixel ${x},${y}`);
  });

  it('a diagonal 1-px line goes too; 0 or 1 leaves the captcha as it was; too wide a square eats the block', () => {
    const g = new Uint8Array(W * H).fill(230);
    for (let x = 0; x < H; x++) g[x * W + x] = 0;
    assert.ok(removeThinStrokes(g, W, H, 2, 'otsu').every((v) => v === 230));
    const untouched = lined();
    assert.equal(removeThinStrokes(untouched, W, H, 1, 'otsu'), untouched);
    assert.equal(removeThinStrokes(untouched, W, H, 0, 'otsu'), untouched);
    const eaten = removeThinStrokes(lined(), W, H, 5, 'otsu');
    assert.ok(eaten.every((v) => v === 200), 'a 5×5 square fits nowhere in a 4-wide block');
  });

  it('cleanCaptcha follows the settings: none when absent', () => {
    const s = { ...defaultCaptchaSettings(), width: W, height: H };
    const g = lined();
    assert.equal(cleanCaptcha(g, s), g);
    assert.equal(cleanCaptcha(g, { ...s, preprocess: { median: false, removeStrokesThinnerThan: 0 } }), g);
    assert.notDeepEqual(cleanCaptcha(g, { ...s, preprocess: { median: false, removeStrokesThinnerThan: 2 } }), g);
  });

  it('import stores the cleaned captchas and keeps the setting; the preview shows before and after', async () => {
    const dir = tempDir();
    const s = { ...defaultCaptchaSettings(), width: W, height: H, length: 1 };
    await sharp(Buffer.from(lined()), { raw: { width: W, height: H, channels: 1 } }).png().toFile(join(dir, '2.png'));
    const db = openStore(tempDir());
    const cleaned = { ...s, preprocess: { median: false, removeStrokesThinnerThan: 2 } };
    const r = await importCaptchaFolder(db, dir, { settings: cleaned, labelsFromFilenames: true });
    const stored = listCaptchas(db, r.dataset.id, {})[0]!.pixels;
    assert.equal(stored[5 * W + 0], 200, 'the line is not in the stored captcha');
    const d = getDataset(db, r.dataset.id);
    assert.ok(d.kind === 'captcha');
    assert.deepEqual(d.settings.preprocess, cleaned.preprocess);
    db.close();
    const plain = await sharp(Buffer.from((await previewCaptchaFolder(dir, s, 0)).png, 'base64')).metadata();
    const both = await sharp(Buffer.from((await previewCaptchaFolder(dir, cleaned, 0)).png, 'base64')).metadata();
    assert.equal(plain.height, H * 2 * 4, 'normalised and ink');
    assert.equal(both.height, H * 3 * 4, 'normalised, cleaned and ink');
  });

  it('the CLI takes --median and --remove-lines N, and refuses N > 8 with one line', async () => {
    const bin = fileURLToPath(new URL('../../bin/gan-workbench.mjs', import.meta.url));
    const dir = tempDir();
    const home = tempDir();
    const png = join(dir, '2.png');
    const run = (...args: string[]) => spawnSync(process.execPath, [bin, 'dataset', 'import-captchas', dir, '--home', home, '--length', '1', '--size', `${W}x${H}`, ...args, '--json'], { encoding: 'utf8' });
    await sharp(Buffer.from(lined()), { raw: { width: W, height: H, channels: 1 } }).png().toFile(png);
    const bad = run('--remove-lines', '9');
    assert.equal(bad.status, 2);
    assert.equal(bad.stderr.trim().split('\n').length, 1, bad.stderr);
    assert.match(bad.stderr, /--remove-lines takes 0–8/);
    const ok = run('--median', '--remove-lines', '2');
    assert.equal(ok.status, 0, ok.stderr);
    const db = openStore(home);
    const d = getDataset(db, (JSON.parse(ok.stdout) as { dataset: number }).dataset);
    db.close();
    assert.ok(d.kind === 'captcha');
    assert.deepEqual(d.settings.preprocess, { median: true, removeStrokesThinnerThan: 2 });
  });
});
