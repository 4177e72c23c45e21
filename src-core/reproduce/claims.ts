import { timeToQuality } from '../metrics/time-to-quality.ts';
import type { SeriesPoint } from '../store/metrics.ts';
import { LEVEL, differenceInterval, formatInterval, median, medianInterval, type Interval } from './stats.ts';

export type Verdict = 'confirmed' | 'refuted' | 'inconclusive';

export interface ClaimResult {
  claim: string;
  thesis: string;
  verdict: Verdict;
  evidence: string;
}

/**
 * One seed's run of an experiment. In face reports `frechet` holds the SWD (lower is
 * better) and `entropy` the mean pairwise MS-SSIM; `legibility` is then empty.
 */
export interface SeedRun {
  run: string;
  seed: number;
  frechet: SeriesPoint[];
  legibility: SeriesPoint[];
  entropy: SeriesPoint[];
  /** Share of samples read as the class asked for (label-conditioned nets; empty otherwise). */
  conditional: SeriesPoint[];
}

/** Every seed's run of one preset. */
export interface Experiment {
  preset: string;
  seeds: SeedRun[];
}

/** Smoothing window (evaluations) for every crossing and every "final" value. */
const WINDOW = 3;
/** Below this median final legibility, a run produced no readable characters: "quality" comparisons are moot. */
const MIN_LEGIBILITY = 0.05;
/** Chance for a 32-class conditional accuracy. */
export const CHANCE = 1 / 32;
/** "Clearly above chance": the lower end of the interval above this (3.2× chance). */
export const CLEARLY_ABOVE_CHANCE = 0.1;

/** Trailing mean of a series' last evaluations: its "final" value. */
export const final = (s: SeriesPoint[], n = WINDOW) => {
  const tail = s.slice(-n);
  return tail.length ? tail.reduce((a, p) => a + p.value, 0) / tail.length : NaN;
};
const finals = (e: Experiment, key: 'frechet' | 'legibility' | 'entropy' | 'conditional') => e.seeds.map((r) => final(r[key]));
const fmt = (v: number) => (Number.isFinite(v) ? v.toPrecision(4) : '—');
const pct = `${Math.round(LEVEL * 100)} %`;

/** Final value of `key` over an experiment's seeds: median and interval. */
export function finalInterval(e: Experiment, key: 'frechet' | 'legibility' | 'entropy' | 'conditional'): Interval {
  return medianInterval(finals(e, key).filter(Number.isFinite));
}

/**
 * "B reaches A's final quality in fewer seconds than A took": the thesis's comparisons,
 * made measurable over seeds. The target is the quality every seed of A ended at (its
 * worst seed's final value, a trailing mean of evaluations; lower is better), so each
 * seed of A reaches it within its run; a seed of B that never does counts as `censor`
 * seconds (twice the longest run). On the common clock (clock.ts) a run from a slower
 * machine ends earlier and may set a weaker target: both sides are timed to that one
 * target on one clock, so the comparison stays fair, at that quality. Confirmed when
 * the 90 % interval of median(B) − median(A) seconds lies below 0, refuted when above,
 * else inconclusive.
 */
export function fasterToQuality(
  claim: string, thesis: string, a: Experiment, b: Experiment, censor: number, o: { metric?: string; faces?: boolean } = {},
): ClaimResult {
  const metric = o.metric ?? 'Fréchet distance';
  const target = Math.max(...finals(a, 'frechet'));
  // A hair of slack: the target is itself a trailing mean, summed in another order.
  const times = (e: Experiment) => e.seeds.map((r) => timeToQuality(r.frechet, target * (1 + 1e-9), 'below', WINDOW)?.seconds ?? null);
  const [ta, tb] = [times(a), times(b)];
  const censored = (t: (number | null)[]) => t.map((v) => v ?? censor);
  const diff = differenceInterval(censored(ta), censored(tb));
  const list = (t: (number | null)[]) => t.map((v) => (v === null ? 'never' : `${v.toFixed(0)}`)).join(', ');
  let evidence = `target: ${a.preset}'s final ${metric} on every seed (${fmt(target)}, its worst seed's); seconds to reach it per seed — ${a.preset}: ${list(ta)}; ` +
    `${b.preset}: ${list(tb)} ("never" counted as ${censor.toFixed(0)} s); median difference ${formatInterval(diff, 3, ' s')} (${pct} interval)`;
  if (!o.faces) {
    const [la, lb] = [median(finals(a, 'legibility')), median(finals(b, 'legibility'))];
    evidence += `; median final legibility ${fmt(la)} vs ${fmt(lb)}`;
    if (Math.max(la, lb) < MIN_LEGIBILITY) return { claim, thesis, verdict: 'inconclusive', evidence: `${evidence}; neither produced legible characters within the budget` };
  } else {
    const improved = (e: Experiment) => e.seeds.some((r) => r.frechet.length > 1 && final(r.frechet) < 0.9 * r.frechet[0]!.value);
    if (!improved(a) && !improved(b)) return { claim, thesis, verdict: 'inconclusive', evidence: `${evidence}; neither improved its ${metric} by 10% within the budget` };
  }
  // One seed on a side: its bootstrap is a single value, a point, not an interval.
  if (Math.min(a.seeds.length, b.seeds.length) < 2) return { claim, thesis, verdict: 'inconclusive', evidence: `${evidence}; one seed on a side gives no interval` };
  // An interval of "B − A" seconds: below 0 B is faster, above 0 slower, else the seeds cannot tell.
  const verdict: Verdict = diff.high < 0 ? 'confirmed' : diff.low > 0 ? 'refuted' : 'inconclusive';
  return { claim, thesis, verdict, evidence: verdict === 'inconclusive' ? `${evidence}; the ${pct} interval of the difference includes 0` : evidence };
}

/** FC GAN collapses (few classes generated) where FC WGAN does not. */
export function collapseClaim(gan: Experiment, wgan: Experiment): ClaimResult {
  const eg = finalInterval(gan, 'entropy');
  const diff = differenceInterval(finals(gan, 'entropy'), finals(wgan, 'entropy'));
  const evidence = `final class entropy (nats, max ln 32 = 3.47), median [${pct} interval]: ${gan.preset} ${formatInterval(eg)}, ` +
    `${wgan.preset} ${formatInterval(finalInterval(wgan, 'entropy'))}; difference ${formatInterval(diff)}; ` +
    `final Fréchet distance ${fmt(median(finals(gan, 'frechet')))} vs ${fmt(median(finals(wgan, 'frechet')))}`;
  // Collapsed: under 1.5 nats (≈ 4–5 classes); "does not": at least 0.5 nats more.
  const verdict: Verdict = eg.high < 1.5 && diff.low > 0.5 ? 'confirmed' : eg.low >= 1.5 || diff.high <= 0 ? 'refuted' : 'inconclusive';
  return { claim: 'The fully-connected GAN collapses where the fully-connected WGAN does not', thesis: '4.3: "wallpaper" mode collapse whatever the hyper-parameters', verdict, evidence };
}

/** The label-conditioned nets draw the character they are asked for. */
export function labelsFollowedClaim(conditioned: Experiment[]): ClaimResult {
  const rows = conditioned.map((e) => ({ e, i: finalInterval(e, 'conditional'), legible: median(finals(e, 'legibility')) }));
  const above = rows.filter((r) => r.i.low > CLEARLY_ABOVE_CHANCE).length;
  const below = rows.filter((r) => r.i.high < 2 * CHANCE).length;
  // A net that draws nothing legible reads as chance whatever its labels: that says nothing about conditioning.
  const illegible = rows.filter((r) => r.legible < MIN_LEGIBILITY);
  const verdict: Verdict = above === rows.length ? 'confirmed' : below === rows.length && illegible.length === 0 ? 'refuted' : 'inconclusive';
  const evidence = `final conditional accuracy, median [${pct} interval] (chance ${fmt(CHANCE)}; "clearly above": the interval's low end above ${CLEARLY_ABOVE_CHANCE}): ` +
    rows.map((r) => `${r.e.preset} ${formatInterval(r.i)} (legibility ${fmt(r.legible)})`).join(', ');
  return {
    claim: 'The label-conditioned nets draw the characters they are asked for',
    thesis: '4.4: "with labels the results are better"',
    verdict,
    evidence: verdict === 'inconclusive' && illegible.length
      ? `${evidence}; ${illegible.map((r) => r.e.preset).join(', ')} drew no legible characters within the budget, so their labels cannot be read` : evidence,
  };
}

/** Several pairwise "faster" comparisons as one claim: confirmed only if every pair is. */
export function allFaster(claim: string, thesis: string, pairs: ClaimResult[]): ClaimResult {
  const confirmed = pairs.filter((r) => r.verdict === 'confirmed').length;
  const refuted = pairs.filter((r) => r.verdict === 'refuted').length;
  const verdict: Verdict = confirmed === pairs.length ? 'confirmed' : refuted === pairs.length ? 'refuted' : 'inconclusive';
  return { claim, thesis, verdict, evidence: pairs.map((r) => `${r.verdict}: ${r.evidence}`).join(' · ') };
}

/** GP converges faster on the FC nets, then stalls (its second half gains under a quarter of its first half). */
export function gpClaim(wgan: Experiment, gp: Experiment, censor: number): ClaimResult {
  const faster = fasterToQuality('', '', wgan, gp, censor);
  const ratios = gp.seeds.map((r) => {
    const s = r.frechet;
    const half = Math.floor(s.length / 2);
    const first = s.length > 2 ? s[0]!.value - s[half]!.value : 0;
    const second = s.length > 2 ? s[half]!.value - s.at(-1)!.value : 0;
    return first > 0 ? second / first : NaN;
  }).filter(Number.isFinite);
  const stall = medianInterval(ratios);
  const evidence = `${faster.evidence}; ${gp.preset}'s second-half gain in Fréchet distance as a share of its first half: ${formatInterval(stall)}`;
  const stalls = stall.high < 0.25;
  const goesOn = !(stall.low < 0.25);
  const verdict: Verdict = faster.verdict === 'confirmed' && stalls ? 'confirmed'
    : faster.verdict === 'refuted' || (ratios.length > 0 && goesOn) ? 'refuted' : 'inconclusive';
  return { claim: 'Gradient penalty converges faster on the fully-connected nets and then stalls', thesis: '6: FC WGAN-GP, 4,500 iterations in 101 s, then no further improvement', verdict, evidence };
}

/** Mean pairwise MS-SSIM above which a set of samples has not yet diverged from its near-identical start. */
const DIVERGED = 0.9;

/** Faces: a higher mean pairwise MS-SSIM than the DCGAN's means less diverse ("average faces"). */
export function averageFaceClaim(dcgan: Experiment, fc: Experiment): ClaimResult {
  const d = median(finals(dcgan, 'entropy'));
  const f = median(finals(fc, 'entropy'));
  // Freshly initialised generators all draw near-identical images (MS-SSIM ≈ 1): judge only once the DCGAN's have diverged.
  const verdict: Verdict = d > DIVERGED ? 'inconclusive' : f >= d + 0.1 ? 'confirmed' : f <= d ? 'refuted' : 'inconclusive';
  return {
    claim: 'The fully-connected WGAN makes near-identical "average faces"', thesis: '5.5: mode collapse with pixel noise', verdict,
    evidence: `median final mean pairwise MS-SSIM (1 = identical): ${fc.preset} ${fmt(f)}, ${dcgan.preset} ${fmt(d)}`,
  };
}

/** Faces: the optimised FC generators (a) and (b) are slightly more diverse than the plain FC WGAN. */
export function moreDiverseClaim(fc: Experiment, variants: Experiment[]): ClaimResult {
  const base = median(finals(fc, 'entropy'));
  const of = (e: Experiment) => median(finals(e, 'entropy'));
  const lower = variants.filter((v) => of(v) < base).length;
  const diverged = [fc, ...variants].some((e) => of(e) <= DIVERGED);
  const verdict: Verdict = !diverged ? 'inconclusive' : lower === variants.length ? 'confirmed' : lower === 0 ? 'refuted' : 'inconclusive';
  return {
    claim: 'The optimised FC generators (a, b) are more diverse than the plain FC WGAN', thesis: '5.6: slightly more diverse; (b) blurry', verdict,
    evidence: `median final mean pairwise MS-SSIM: ${fc.preset} ${fmt(base)}; ${variants.map((v) => `${v.preset} ${fmt(of(v))}`).join(', ')}`,
  };
}
