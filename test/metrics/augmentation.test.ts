import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { defaultCaptchaSettings } from '../../src-core/data/captcha-image.ts';
import { importSynthCaptchas } from '../../src-core/data/import-captchas.ts';
import { composeCaptcha, judge, reproduceAugmentation, type AugmentationOptions } from '../../src-core/reproduce/augmentation.ts';
import { listCaptchas } from '../../src-core/store/captchas.ts';
import { listDatasets } from '../../src-core/store/datasets.ts';
import { openStore } from '../../src-core/store/index.ts';
import { tempDir } from '../helpers.ts';

describe('reproduce augmentation: GAN samples for a recogniser trained on few labels', () => {
  it('composes GAN tiles into a captcha of the dataset\'s size: one gray byte per pixel, ink dark, tiles left to right', async () => {
    // Tile 0 all ink, tile 1 all paper; set side by side (40 × 20) and stretched to 80 × 50.
    const tiles = new Float32Array(2 * 400);
    tiles.fill(1, 0, 400);
    const pixels = await composeCaptcha(tiles, [0, 1], 80, 50);
    assert.equal(pixels.length, 80 * 50);
    for (const y of [0, 25, 49]) {
      assert.equal(pixels[y * 80 + 5], 0, `row ${y}: the first tile's ink`);
      assert.equal(pixels[y * 80 + 75], 255, `row ${y}: the second tile's paper`);
    }
  });

  it('judges the paired difference: a verdict only when its interval excludes zero', () => {
    const rows = (pairs: [number, number][]) => pairs.map(([real, augmented], seed) => ({ size: 50, seed, real, augmented, generated: 10 }));
    assert.equal(judge(50, rows([[0.5, 0.7], [0.4, 0.6], [0.6, 0.75]])).verdict, 'helps');
    assert.equal(judge(50, rows([[0.5, 0.3], [0.4, 0.2], [0.6, 0.5]])).verdict, 'hurts');
    const mixed = judge(50, rows([[0.5, 0.6], [0.4, 0.3], [0.6, 0.6]]));
    assert.equal(mixed.verdict, 'inconclusive');
    assert.match(mixed.reason, /includes zero/);
    assert.equal(judge(50, rows([[0.5, 0.9]])).verdict, 'inconclusive', 'one seed has no interval');
  });

  it('trains both arms on a drawn N, adds composed GAN captchas, reports, and a rerun keeps every run', { timeout: 600_000 }, async () => {
    const home = tempDir();
    const db = openStore(home);
    const { dataset } = await importSynthCaptchas(db, 40, 7, defaultCaptchaSettings());
    db.close();
    const logs: string[] = [];
    const out = join(tempDir(), 'augmentation');
    const o: AugmentationOptions = {
      home, out, dataset: dataset.id, sizes: [16], seeds: 1, gan: { steps: 2 }, recognizerSteps: 4, perClass: 2, testShare: 0.25,
      log: (l) => logs.push(l),
    };
    const [verdict] = await reproduceAugmentation(o);
    assert.equal(verdict!.size, 16);
    for (const v of [verdict!.real.median, verdict!.augmented.median]) assert.ok(v >= 0 && v <= 1);
    const report = readFileSync(join(out, 'report.md'), 'utf8');
    assert.match(report, /\| 16 \| 0 \| .*% \| .*% \| 16 \|/, 'seed 0: 2 characters × 32 classes make 16 four-character captchas');
    assert.ok(existsSync(join(out, 'results.csv')));
    // The N real captchas, and the same N plus the GAN's, as their own datasets.
    const check = openStore(home);
    const derived = listDatasets(check).filter((d) => d.sourcePath === `derived:${dataset.id}`);
    const sizes = derived.map((d) => listCaptchas(check, d.id).length).sort((a, b) => a - b);
    assert.deepEqual(sizes, [16, 32]);
    check.close();
    assert.equal(logs.filter((l) => /: training \(run /.test(l)).length, 3, 'two recognisers and a GAN');

    const again: string[] = [];
    const [rerun] = await reproduceAugmentation({ ...o, log: (l) => again.push(l) });
    assert.equal(again.filter((l) => /: training \(run /.test(l)).length, 0, 'nothing is trained again');
    assert.deepEqual(rerun, verdict);
  });
});
