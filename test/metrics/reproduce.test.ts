import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  averageFaceClaim, collapseClaim, fasterToQuality, gpClaim, labelsFollowedClaim, moreDiverseClaim, type Experiment, type SeedRun,
} from '../../src-core/reproduce/claims.ts';
import { onCommonClock } from '../../src-core/reproduce/clock.ts';
import { medianCurve } from '../../src-core/reproduce/report.ts';
import { differenceInterval, median, medianInterval } from '../../src-core/reproduce/stats.ts';
import { lineChartSvg } from '../../src-core/reproduce/svg-plot.ts';

interface Shape {
  legibility?: number;
  entropy?: number;
  conditional?: number;
}

/** One seed whose Fréchet distance falls linearly from `from` to `to` over `seconds`, in 13 evaluations. */
function seedRun(seed: number, from: number, to: number, seconds: number, o: Shape = {}): SeedRun {
  const points = Array.from({ length: 13 }, (_, i) => ({ step: i * 10, seconds: (i * seconds) / 12, value: from + ((to - from) * i) / 12 }));
  const flat = (v: number | undefined) => (v === undefined ? [] : points.map((p) => ({ ...p, value: v })));
  return { run: `run-${seed}`, seed, frechet: points, legibility: flat(o.legibility ?? 0.8), entropy: flat(o.entropy ?? 3), conditional: flat(o.conditional) };
}

/** An experiment of several seeds, each falling to its own final value (`tos`). */
function experiment(preset: string, from: number, tos: number[], seconds: number, o: Shape | Shape[] = {}): Experiment {
  return { preset, seeds: tos.map((to, i) => seedRun(i, from, to, seconds, Array.isArray(o) ? o[i] : o)) };
}

const CENSOR = 240;

describe('medians and bootstrap intervals', () => {
  it('median of odd and even counts', () => {
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 2, 3]), 2.5);
  });

  it('the interval of one group holds its median and lies within its range; identical seeds give a point', () => {
    const i = medianInterval([10, 12, 11, 30, 9]);
    assert.equal(i.median, 11);
    assert.ok(i.low >= 9 && i.high <= 30 && i.low <= i.median && i.median <= i.high);
    assert.deepEqual(medianInterval([5, 5, 5]), { median: 5, low: 5, high: 5 });
  });

  it('a difference of medians: separated groups exclude 0, overlapping groups include it; seeded, so repeatable', () => {
    const apart = differenceInterval([100, 110, 105], [40, 50, 45]);
    assert.ok(apart.high < 0, JSON.stringify(apart));
    const overlap = differenceInterval([100, 50, 80], [90, 45, 70]);
    assert.ok(overlap.low <= 0 && overlap.high >= 0, JSON.stringify(overlap));
    assert.deepEqual(differenceInterval([100, 50, 80], [90, 45, 70]), overlap);
  });
});

describe('thesis claim verdicts over seeds', () => {
  it('faster to quality: confirmed when every seed of B is faster, refuted when slower', () => {
    const slow = experiment('captcha-dcgan', 100, [50, 52, 48], 120);
    const fast = experiment('captcha-wdcgan', 100, [20, 22, 18], 120);
    assert.equal(fasterToQuality('c', 't', slow, fast, CENSOR).verdict, 'confirmed');
    assert.equal(fasterToQuality('c', 't', fast, slow, CENSOR).verdict, 'refuted');
  });

  it('a difference inside the interval is inconclusive, with the reason', () => {
    // B is faster in the median, but one of its seeds never reaches A's quality and one of A's is quick.
    const a = experiment('a', 100, [50, 30, 60], 120);
    const b = experiment('b', 100, [20, 70, 40], 120);
    const r = fasterToQuality('c', 't', a, b, CENSOR);
    assert.equal(r.verdict, 'inconclusive');
    assert.match(r.evidence, /interval of the difference includes 0/);
    assert.match(r.evidence, /never/);
  });

  it('no verdict from one seed on a side: its bootstrap is a point', () => {
    const one = fasterToQuality('c', 't', experiment('a', 100, [50, 52], 120), experiment('b', 100, [20], 120), CENSOR);
    assert.equal(one.verdict, 'inconclusive');
    assert.match(one.evidence, /one seed on a side gives no interval/);
  });

  it('no verdict when no seed draws legible characters', () => {
    const blind = fasterToQuality('c', 't', experiment('a', 100, [50, 50], 120, { legibility: 0 }), experiment('b', 100, [20, 20], 120, { legibility: 0.01 }), CENSOR);
    assert.equal(blind.verdict, 'inconclusive');
    assert.match(blind.evidence, /neither produced legible characters/);
  });

  it('collapse: every GAN seed collapsed and the WGAN clearly more varied confirms; a varied GAN refutes; mixed seeds are inconclusive', () => {
    const wgan = experiment('fc-wgan', 9, [5, 5, 5], 60, { entropy: 3.1 });
    assert.equal(collapseClaim(experiment('fc-gan', 9, [8, 8, 8], 60, { entropy: 0.3 }), wgan).verdict, 'confirmed');
    assert.equal(collapseClaim(experiment('fc-gan', 9, [8, 8, 8], 60, { entropy: 3 }), wgan).verdict, 'refuted');
    const mixed = experiment('fc-gan', 9, [8, 8, 8], 60, [{ entropy: 0.3 }, { entropy: 2.9 }, { entropy: 0.5 }]);
    assert.equal(collapseClaim(mixed, wgan).verdict, 'inconclusive');
  });

  it('labels followed: every net clearly above chance confirms; at chance refutes; one net at chance is inconclusive', () => {
    const at = (c: number[]) => experiment('x-label', 100, c.map(() => 50), 60, c.map((conditional) => ({ conditional })));
    assert.equal(labelsFollowedClaim([at([0.4, 0.5, 0.45]), at([0.2, 0.25, 0.3])]).verdict, 'confirmed');
    assert.equal(labelsFollowedClaim([at([0.03, 0.035, 0.03])]).verdict, 'refuted');
    assert.equal(labelsFollowedClaim([at([0.4, 0.5, 0.45]), at([0.03, 0.035, 0.03])]).verdict, 'inconclusive');
    // At chance because nothing is legible yet: no verdict on conditioning.
    const unreadable = experiment('x-label', 100, [50, 50, 50], 60, { conditional: 0.03, legibility: 0 });
    const r = labelsFollowedClaim([unreadable]);
    assert.equal(r.verdict, 'inconclusive');
    assert.match(r.evidence, /drew no legible characters within the budget/);
  });

  it('gradient penalty: faster and then stalling on every seed confirms; steady progress refutes', () => {
    const wgan = experiment('fc-wgan', 100, [60, 62, 58], 120);
    const stalls = experiment('fc-wgan-gp', 100, [40, 40, 40], 120);
    for (const s of stalls.seeds) s.frechet = s.frechet.map((p, i) => ({ ...p, value: i <= 6 ? 100 - i * 10 : 40 - (i - 6) * 0.5 }));
    assert.equal(gpClaim(wgan, stalls, CENSOR).verdict, 'confirmed');
    assert.equal(gpClaim(wgan, experiment('fc-wgan-gp', 100, [20, 22, 18], 120), CENSOR).verdict, 'refuted');
  });

  it('faces: no verdict before the samples diverge or the SWD improves', () => {
    const faces = { metric: 'SWD', faces: true };
    const flat = experiment('celeba-dcgan', 770, [769], 6, { entropy: 1 });
    assert.equal(fasterToQuality('c', 't', flat, experiment('celeba-wdcgan', 771, [770], 6), CENSOR, faces).verdict, 'inconclusive');
    assert.equal(fasterToQuality('c', 't', experiment('a', 800, [500, 510], 60), experiment('b', 800, [300, 310], 60), CENSOR, faces).verdict, 'confirmed');
    assert.equal(averageFaceClaim(experiment('celeba-dcgan', 1, [1], 6, { entropy: 1 }), experiment('celeba-fc-wgan', 1, [1], 6, { entropy: 0.96 })).verdict, 'inconclusive');
    assert.equal(averageFaceClaim(experiment('celeba-dcgan', 1, [1], 6, { entropy: 0.3 }), experiment('celeba-fc-wgan', 1, [1], 6, { entropy: 0.7 })).verdict, 'confirmed');
    assert.equal(moreDiverseClaim(experiment('fc', 1, [1], 6, { entropy: 0.7 }), [experiment('a', 1, [1], 6, { entropy: 0.5 }), experiment('b', 1, [1], 6, { entropy: 0.6 })]).verdict, 'confirmed');
    assert.equal(moreDiverseClaim(experiment('fc', 1, [1], 6, { entropy: 0.99 }), [experiment('a', 1, [1], 6, { entropy: 1 })]).verdict, 'inconclusive');
  });
});

describe('one clock for runs from several sittings and machines', () => {
  it('reads every run\'s seconds as iterations × its preset\'s fastest seconds per iteration, and names the slow runs', () => {
    const e = experiment('captcha-dcgan', 100, [50, 50, 50], 120);
    // Seed 1 ran on a machine half as fast: the same iterations and values, twice the seconds.
    e.seeds[1]!.frechet = e.seeds[1]!.frechet.map((p) => ({ ...p, seconds: p.seconds * 2 }));
    const { experiments, clocks } = onCommonClock([e]);
    const seconds = (i: number) => experiments[0]!.seeds[i]!.frechet.map((p) => p.seconds);
    assert.deepEqual(seconds(1), seconds(0));
    assert.deepEqual(seconds(0), e.seeds[0]!.frechet.map((p) => p.seconds));
    assert.deepEqual(experiments[0]!.seeds[1]!.legibility.map((p) => p.seconds), seconds(0), 'every series on the same clock');
    assert.deepEqual(clocks.map((c) => c.ownSecondsPerIteration / c.secondsPerIteration), [1, 2, 1]);
    // Timed to a target, seed 1 takes as long as the others on the common clock, twice as long on its own.
    const b = experiment('b', 100, [20, 20, 20], 120);
    assert.match(fasterToQuality('c', 't', experiments[0]!, b, CENSOR).evidence, /captcha-dcgan: (\d+), \1, \1;/);
    assert.match(fasterToQuality('c', 't', e, b, CENSOR).evidence, /captcha-dcgan: (\d+), (\d+), \1;/);
    assert.doesNotMatch(fasterToQuality('c', 't', e, b, CENSOR).evidence, /captcha-dcgan: (\d+), \1, \1;/);
  });
});

describe('report figures', () => {
  it('the median curve takes each evaluation\'s median over seeds', () => {
    const s = (vals: number[]) => vals.map((value, i) => ({ step: i, seconds: i * 10, value }));
    assert.deepEqual(medianCurve([s([3, 2, 1]), s([5, 4, 3]), s([4, 0, 2, 9])]), [{ x: 0, y: 4 }, { x: 10, y: 2 }, { x: 20, y: 2 }]);
  });

  it('figures are well-formed SVG: a line per entry, thin unlisted seeds, a dashed reference', () => {
    const svg = lineChartSvg('T <1>', 'x', 'y', [
      { name: 'a seed 0', points: [{ x: 0, y: 1 }, { x: 2, y: 2 }], colour: 0, width: 1, opacity: 0.35, legend: false },
      { name: 'a', points: [{ x: 0, y: 1 }, { x: 2, y: 3 }], colour: 0, width: 2.5 },
      { name: 'b&c', points: [] },
      { name: 'real data', points: [{ x: 0, y: 0.5 }, { x: 2, y: 0.5 }], dashed: true },
    ]);
    assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    assert.equal((svg.match(/<polyline/g) ?? []).length, 3);
    assert.equal((svg.match(/stroke-opacity="0.35"/g) ?? []).length, 1);
    assert.equal((svg.match(/stroke-dasharray/g) ?? []).length, 2, 'the reference line and its legend entry');
    assert.doesNotMatch(svg, />a seed 0</, 'single seeds are not in the legend');
    assert.match(svg, /T &lt;1&gt;/);
    assert.match(svg, /b&amp;c/);
    assert.ok(svg.trim().endsWith('</svg>'));
  });
});
