import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { averageFaceClaim, collapseClaim, fasterToQuality, gpClaim, moreDiverseClaim, type Experiment } from '../../src-core/reproduce/claims.ts';
import { lineChartSvg } from '../../src-core/reproduce/svg-plot.ts';

/** An experiment whose Fréchet distance falls linearly from `from` to `to` over `seconds`. */
function experiment(preset: string, from: number, to: number, seconds: number, opts: { legibility?: number; entropy?: number } = {}): Experiment {
  const points = Array.from({ length: 13 }, (_, i) => ({ step: i * 10, seconds: (i * seconds) / 12, value: from + ((to - from) * i) / 12 }));
  const flat = (v: number) => points.map((p) => ({ ...p, value: v }));
  return { preset, run: `${preset}-run`, frechet: points, legibility: flat(opts.legibility ?? 0.8), entropy: flat(opts.entropy ?? 3) };
}

describe('thesis claim verdicts', () => {
  it('faster to quality: confirmed, refuted, and inconclusive when nothing is legible', () => {
    const slow = experiment('captcha-dcgan', 100, 50, 120);
    const fast = experiment('captcha-wdcgan', 100, 20, 120);
    assert.equal(fasterToQuality('c', 't', slow, fast).verdict, 'confirmed');
    assert.equal(fasterToQuality('c', 't', fast, slow).verdict, 'refuted');
    const blind = fasterToQuality('c', 't', experiment('a', 100, 50, 120, { legibility: 0 }), experiment('b', 100, 20, 120, { legibility: 0.01 }));
    assert.equal(blind.verdict, 'inconclusive');
    assert.match(blind.evidence, /neither produced legible characters/);
  });

  it('collapse: low class entropy for the GAN and high for the WGAN confirms', () => {
    assert.equal(collapseClaim(experiment('fc-gan', 9, 8, 60, { entropy: 0.3 }), experiment('fc-wgan', 9, 5, 60, { entropy: 3.1 })).verdict, 'confirmed');
    assert.equal(collapseClaim(experiment('fc-gan', 9, 8, 60, { entropy: 3 }), experiment('fc-wgan', 9, 5, 60, { entropy: 3.1 })).verdict, 'refuted');
  });

  it('gradient penalty: faster and then stalling confirms; steady progress refutes', () => {
    const wgan = experiment('fc-wgan', 100, 60, 120);
    const stalls: Experiment = { ...experiment('fc-wgan-gp', 100, 40, 120) };
    stalls.frechet = stalls.frechet.map((p, i) => ({ ...p, value: i <= 6 ? 100 - i * 10 : 40 - (i - 6) * 0.5 }));
    assert.equal(gpClaim(wgan, stalls).verdict, 'confirmed');
    assert.equal(gpClaim(wgan, experiment('fc-wgan-gp', 100, 20, 120)).verdict, 'refuted');
  });

  it('faces: no verdict before the samples diverge or the SWD improves', () => {
    const swdFlat = experiment('celeba-dcgan', 770, 769, 6, { entropy: 1 });
    assert.equal(fasterToQuality('c', 't', swdFlat, experiment('celeba-wdcgan', 771, 770, 6), 'SWD', true).verdict, 'inconclusive');
    assert.equal(fasterToQuality('c', 't', experiment('a', 800, 500, 60), experiment('b', 800, 300, 60), 'SWD', true).verdict, 'confirmed');
    assert.equal(averageFaceClaim(experiment('celeba-dcgan', 1, 1, 6, { entropy: 1 }), experiment('celeba-fc-wgan', 1, 1, 6, { entropy: 0.96 })).verdict, 'inconclusive');
    assert.equal(averageFaceClaim(experiment('celeba-dcgan', 1, 1, 6, { entropy: 0.3 }), experiment('celeba-fc-wgan', 1, 1, 6, { entropy: 0.7 })).verdict, 'confirmed');
    assert.equal(moreDiverseClaim(experiment('fc', 1, 1, 6, { entropy: 0.7 }), [experiment('a', 1, 1, 6, { entropy: 0.5 }), experiment('b', 1, 1, 6, { entropy: 0.6 })]).verdict, 'confirmed');
    assert.equal(moreDiverseClaim(experiment('fc', 1, 1, 6, { entropy: 0.99 }), [experiment('a', 1, 1, 6, { entropy: 1 })]).verdict, 'inconclusive');
  });

  it('figures are well-formed SVG with a line and a legend entry per experiment', () => {
    const svg = lineChartSvg('T <1>', 'x', 'y', [{ name: 'a', points: [{ x: 0, y: 1 }, { x: 2, y: 3 }] }, { name: 'b&c', points: [] }]);
    assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    assert.equal((svg.match(/<polyline/g) ?? []).length, 1);
    assert.match(svg, /T &lt;1&gt;/);
    assert.match(svg, /b&amp;c/);
    assert.ok(svg.trim().endsWith('</svg>'));
  });
});
