/**
 * `bench labels --results FILE`: a curve built over several sittings. Points the file holds for the same captchas,
 * preset version, settings and time limit are not trained again and count in the summary; others are not theirs.
 */
import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { benchLabelCurve, curveKey, type LabelCurveCaptchas } from '../../src-core/bench/labels-bench.ts';
import { presetVersion } from '../../src-core/presets/catalog.ts';
import { writeCaptchaFolder } from '../datasets/fixtures.ts';
import { tempDir } from '../helpers.ts';

describe('the label curve over several sittings', () => {
  it('skips the points a results file holds for this curve and summarises them with the rest', async (t) => {
    const dir = tempDir('gwb-curve-');
    await writeCaptchaFolder(join(dir, 'captchas'), 12, 3);
    const captchas: LabelCurveCaptchas = { folder: join(dir, 'captchas'), length: 4, alphabet: '23456789ABCDEFGHJKLMNPQRSTUVWXYZ', width: 80, height: 20 };
    const o = { captchas, seconds: 900 };
    const run = (budget: number, right: number) => ({ budget, seed: 0, right, test: 10, characters: 0.9, pseudo: 0, unlabelled: 0, steps: 1, seconds: 1 });
    const results = join(dir, 'curve.jsonl');
    writeFileSync(results, [
      { key: curveKey(o, presetVersion('captcha-recognizer-ctc')), run: run(4, 7) },
      { key: curveKey(o, presetVersion('captcha-recognizer-ctc')), run: run(8, 9) },
      // Another preset version's defaults: not a point of this curve.
      { key: curveKey(o, presetVersion('captcha-recognizer-ctc') - 1), run: run(6, 1) },
    ].map((l) => JSON.stringify(l)).join('\n') + '\n');
    const lines: string[] = [];
    t.mock.method(console, 'log', (line: string) => void lines.push(String(line)));
    await benchLabelCurve({ ...o, budgets: [4, 8], seeds: [0], results });
    t.mock.restoreAll();
    assert.ok(lines.some((l) => l.includes('2 runs of this curve already in') && l.includes('N=4 seed 0, N=8 seed 0')), lines.join('\n'));
    assert.ok(!lines.some((l) => /^N=\d+ seed/.test(l)), 'nothing trained again');
    const rows = lines.filter((l) => /^\s+\d+ \| /.test(l)).map((l) => l.trim().split(' ')[0]);
    assert.deepEqual(rows, ['4', '8'], 'the other version\'s point is left out');
    assert.ok(lines.some((l) => l.trim().startsWith('4 | 70.0%')), lines.join('\n'));
  });
});
