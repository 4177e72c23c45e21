import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fitCaptchaScheme } from '../../src-core/data/captcha-scheme-fit.ts';
import { HARD_SCHEME, renderCaptchas } from '../../src-core/data/captcha-scheme.ts';
import { captchaDatasetSequences } from '../../src-core/data/dataset-images.ts';
import { attachFittedSynthetic } from '../../src-core/data/dataset-synth.ts';
import { importSchemeCaptchas } from '../../src-core/data/import-captchas.ts';
import { insertCaptchas } from '../../src-core/store/captchas.ts';
import { insertDataset } from '../../src-core/store/datasets.ts';
import { openStore } from '../../src-core/store/index.ts';

describe('the synthesiser scheme and its fit to a dataset', () => {
  it('draws the same captchas from the same seed, at the scheme\'s size, with texts over its alphabet', async () => {
    const a = await renderCaptchas(HARD_SCHEME, 5, 3);
    const b = await renderCaptchas(HARD_SCHEME, 5, 3);
    assert.deepEqual(a, b);
    for (const c of a) {
      assert.equal(c.gray.length, 90 * 32);
      assert.equal(c.text.length, 4);
      assert.ok([...c.text].every((ch) => HARD_SCHEME.alphabet.includes(ch)));
    }
    assert.notDeepEqual((await renderCaptchas(HARD_SCHEME, 5, 4)).map((c) => c.text), a.map((c) => c.text));
  });

  it('recovers a known scheme from its captchas alone: grays, text place and size, lines', async () => {
    const gray = (await renderCaptchas(HARD_SCHEME, 120, 7)).map((c) => c.gray);
    const fit = await fitCaptchaScheme(gray, HARD_SCHEME);
    assert.ok(fit.scheme, 'a scheme is found');
    const s = fit.scheme!;
    assert.ok(Math.abs(s.paper - HARD_SCHEME.paper) < 15, `paper ${s.paper}`);
    assert.ok(s.ink < 110, `ink ${s.ink}`);
    assert.ok(Math.abs(s.fontSize - HARD_SCHEME.fontSize) / HARD_SCHEME.fontSize < 0.25, `font size ${s.fontSize}`);
    assert.ok(Math.abs(s.left - HARD_SCHEME.left) < 0.08 && Math.abs(s.right - HARD_SCHEME.right) < 0.08, `text from ${s.left} to ${s.right}`);
    assert.ok(s.lines >= 2 && s.lines <= 4, `${s.lines} lines`);
  });

  it('says when it finds no text, and a dataset with no text trains on its real captchas only', async () => {
    const blank = Array.from({ length: 10 }, () => new Uint8Array(90 * 32).fill(200));
    const fit = await fitCaptchaScheme(blank, HARD_SCHEME);
    assert.equal(fit.scheme, null);
    assert.match((fit as { reason: string }).reason, /no text found/);
    const home = mkdtempSync(join(tmpdir(), 'gwb-scheme-'));
    const db = openStore(home);
    try {
      const settings = { width: 90, height: 32, length: 4, alphabet: HARD_SCHEME.alphabet, threshold: 'otsu' as const, segmentation: 'equal' as const };
      const { id } = insertDataset(db, { kind: 'captcha', name: 'blank', sourcePath: '/b', settings });
      insertCaptchas(db, id, blank.map((pixels, i) => ({ ordinal: i, file: `${i}.png`, pixels, label: 'ABCD' })));
      const set = captchaDatasetSequences(db, id, { labelledOnly: true });
      assert.match((await attachFittedSynthetic(db, id, set, 64, 0))!, /^no synthetic pretraining: no text found: .*; training on the real captchas only$/);
      assert.equal(set.synthetic, undefined);
      const hard = await importSchemeCaptchas(db, HARD_SCHEME, 80, 1, 'hard');
      const real = captchaDatasetSequences(db, hard.dataset.id, { labelledOnly: true });
      assert.equal(await attachFittedSynthetic(db, hard.dataset.id, real, 64, 0), null);
      assert.equal(real.synthetic!.count, 64);
      assert.equal(real.synthetic!.images.length, 64 * 90 * 32);
      assert.ok(real.synthetic!.sequences.every((s) => s.length === 4 && s.every((k) => k >= 0 && k < 56)));
    } finally {
      db.close();
      rmSync(home, { recursive: true, force: true });
    }
  });
});
