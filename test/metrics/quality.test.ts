import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { betterDirection, timeToQuality } from '../../src-core/metrics/time-to-quality.ts';
import { histogramsAt } from '../../src-core/store/histograms.ts';
import { rawSeries } from '../../src-core/store/metrics.ts';
import { tempDir, withReferenceRecognizer } from '../helpers.ts';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { judgeCaptchaRuns } from '../../src-core/reproduce/report.ts';
import { trainInProcess } from '../run-helpers.ts';

const BIN = fileURLToPath(new URL('../../bin/gan-workbench.mjs', import.meta.url));

describe('time to quality', () => {
  const series = [0.1, 0.5, 0.2, 0.8, 0.85, 0.9, 0.95].map((value, i) => ({ step: (i + 1) * 10, seconds: (i + 1) * 2, value }));
  it('finds the first smoothed crossing, not a lone spike', () => {
    assert.deepEqual(timeToQuality(series, 0.5, 'above', 1), { step: 20, seconds: 4, value: 0.5 });
    const smoothed = timeToQuality(series, 0.55, 'above', 3)!;
    assert.equal(smoothed.step, 50, 'mean(0.2, 0.8, 0.85) = 0.62 is the first window at or above 0.55 (the spike 0.8 alone is not)');
    assert.equal(timeToQuality(series, 0.99, 'above', 3), null);
    assert.equal(timeToQuality(series.map((p) => ({ ...p, value: 1 - p.value })), 0.3, 'below', 2)!.step, 50);
  });
  it('knows which way is better', () => {
    assert.equal(betterDirection('frechet'), 'below');
    assert.equal(betterDirection('swd'), 'below');
    assert.equal(betterDirection('legibility'), 'above');
    assert.equal(betterDirection('inception_score'), 'above');
  });
});

describe('quality measured during training', () => {
  it('a WDCGAN run stores quality metrics and weight histograms; clipped layers report their share at ±c', async () => {
    const home = tempDir();
    withReferenceRecognizer(home);
    const t = await trainInProcess(home, 'captcha-wdcgan', {
      steps: '4', batchSize: '8', 'data.count': '64', evalEvery: '2', evalCount: '64', histogramEvery: '2', sampleEvery: '0',
    }, { backend: 'wasm' });
    const evals = t.events.filter((e) => e.type === 'eval');
    assert.deepEqual(evals.map((e) => e.step), [0, 2, 4]);
    for (const key of ['legibility', 'class_entropy', 'inception_score', 'frechet']) {
      assert.equal(rawSeries(t.db, t.run.pk, key).length, 3, key);
    }
    assert.ok(rawSeries(t.db, t.run.pk, 'frechet').every((p) => p.value > 0));
    const h = histogramsAt(t.db, t.run.pk)!;
    assert.equal(h.step, 4);
    assert.ok(h.layers['D/fc1/kernel']!.atClipBound !== null);
    assert.equal(h.layers['G/fc1/kernel']!.atClipBound, null, 'WDCGAN clips only the critic');
    assert.equal(h.layers['D/fc1/kernel']!.counts.reduce((a, b) => a + b, 0), 3200 * 1024);
    assert.equal(histogramsAt(t.db, t.run.pk, 1)!.step, 0);

    const r = spawnSync(process.execPath, [BIN, 'eval', t.run.id, '--count', '64', '--json', '--home', home], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { step: number; metrics: Record<string, number> };
    assert.equal(out.step, 4);
    // The same fixed batch and weights: eval reproduces the last in-training evaluation.
    const last = evals.at(-1)!;
    assert.ok(last.type === 'eval' && Math.abs(out.metrics.frechet! - last.metrics.frechet!) < 1e-6 * last.metrics.frechet!);
    // An earlier step is answered from the evaluations recorded during training.
    const earlier = spawnSync(process.execPath, [BIN, 'eval', t.run.id, '--step', '1', '--json', '--home', home], { encoding: 'utf8' });
    const e = JSON.parse(earlier.stdout) as { step: number; metrics: Record<string, number> };
    const second = evals[0]!;
    assert.equal(e.step, 0);
    assert.ok(second.type === 'eval' && Math.abs(e.metrics.frechet! - second.metrics.frechet!) < 1e-9 * second.metrics.frechet!);
    // The reproduction's report writer on a real run: report, figures and CSV.
    const reportDir = tempDir();
    judgeCaptchaRuns(home, reportDir, [t.run.id]);
    const report = readFileSync(join(reportDir, 'report.md'), 'utf8');
    assert.match(report, /\| captcha-wdcgan \| 1 \| 4 \| \d/);
    // What real tiles score, measured once at step 0, beside the generated ones.
    const real = rawSeries(t.db, t.run.pk, 'real_frechet');
    assert.deepEqual(real.map((p) => p.step), [0]);
    assert.ok(real[0]!.value > 0 && real[0]!.value < rawSeries(t.db, t.run.pk, 'frechet')[0]!.value, 'real tiles are closer to real tiles than an untrained G');
    assert.match(report, new RegExp(`\\| \\*real data \\(held-apart sample\\)\\* \\| \\| \\| ${real[0]!.value.toPrecision(4)} \\|`));
    assert.match(readFileSync(join(reportDir, 'frechet.svg'), 'utf8'), /<polyline/);
    assert.equal(readFileSync(join(reportDir, 'metrics.csv'), 'utf8').split('\n')[0], 'run,key,step,seconds,value');
    t.db.close();
  });
});
