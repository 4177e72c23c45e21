import { timeToQuality } from '../metrics/time-to-quality.ts';
import type { SeriesPoint } from '../store/metrics.ts';

export type Verdict = 'confirmed' | 'refuted' | 'inconclusive';

export interface ClaimResult {
  claim: string;
  thesis: string;
  verdict: Verdict;
  evidence: string;
}

/** Metric series of one experiment's run. */
export interface Experiment {
  preset: string;
  run: string;
  frechet: SeriesPoint[];
  legibility: SeriesPoint[];
  entropy: SeriesPoint[];
}

/** Smoothing window (evaluations) for every crossing. */
const WINDOW = 3;
/** Below this final legibility, a run produced no readable characters: "quality" comparisons are moot. */
const MIN_LEGIBILITY = 0.05;

const last = (s: SeriesPoint[], n = WINDOW) => {
  const tail = s.slice(-n);
  return tail.reduce((a, p) => a + p.value, 0) / Math.max(1, tail.length);
};
const fmt = (v: number) => v.toPrecision(4);
// A hair of slack: the target is itself a trailing mean, summed in another order.
const secs = (s: SeriesPoint[], q: number) => timeToQuality(s, q * (1 + 1e-9), 'below', WINDOW)?.seconds ?? null;

/** "B reaches A's final quality in fewer seconds than A took": the thesis's comparisons, made measurable. */
export function fasterToQuality(claim: string, thesis: string, a: Experiment, b: Experiment, metric = 'Fréchet distance', faces = false): ClaimResult {
  const target = last(a.frechet);
  const ta = secs(a.frechet, target);
  const tb = secs(b.frechet, target);
  const legible = Math.max(last(a.legibility), last(b.legibility));
  const evidence = `target: ${a.preset}'s final ${metric} ${fmt(target)} (smoothed over ${WINDOW} evaluations); ` +
    `${a.preset} reached it at ${ta === null ? '—' : `${ta.toFixed(0)} s`}, ${b.preset} at ${tb === null ? 'never' : `${tb.toFixed(0)} s`}` +
    (faces ? '' : `; final legibility ${fmt(last(a.legibility))} vs ${fmt(last(b.legibility))}`);
  if (!faces && legible < MIN_LEGIBILITY) return { claim, thesis, verdict: 'inconclusive', evidence: `${evidence}; neither produced legible characters within the budget` };
  const improved = (e: Experiment) => e.frechet.length > 1 && last(e.frechet) < 0.9 * e.frechet[0]!.value;
  if (faces && !improved(a) && !improved(b)) return { claim, thesis, verdict: 'inconclusive', evidence: `${evidence}; neither improved its ${metric} by 10% within the budget` };
  if (tb === null) return { claim, thesis, verdict: 'refuted', evidence };
  return { claim, thesis, verdict: ta !== null && tb < ta ? 'confirmed' : 'refuted', evidence };
}

/** FC GAN collapses (few classes generated) where FC WGAN does not. */
export function collapseClaim(gan: Experiment, wgan: Experiment): ClaimResult {
  const eg = last(gan.entropy);
  const ew = last(wgan.entropy);
  const evidence = `final class entropy (nats, max ln 32 = 3.47): ${gan.preset} ${fmt(eg)}, ${wgan.preset} ${fmt(ew)}; ` +
    `final Fréchet distance ${fmt(last(gan.frechet))} vs ${fmt(last(wgan.frechet))}`;
  const verdict: Verdict = eg < 1.5 && ew > eg + 0.5 ? 'confirmed' : eg >= 1.5 && ew <= eg + 0.5 ? 'refuted' : 'inconclusive';
  return { claim: 'The fully-connected GAN collapses where the fully-connected WGAN does not', thesis: '4.3: "wallpaper" mode collapse whatever the hyper-parameters', verdict, evidence };
}

/** GP converges faster on the FC nets, then stalls. */
export function gpClaim(wgan: Experiment, gp: Experiment): ClaimResult {
  const faster = fasterToQuality('', '', wgan, gp);
  const s = gp.frechet;
  const half = Math.floor(s.length / 2);
  const firstGain = s.length > 2 ? s[0]!.value - s[half]!.value : 0;
  const secondGain = s.length > 2 ? s[half]!.value - s.at(-1)!.value : 0;
  const stalls = firstGain > 0 && secondGain < 0.25 * firstGain;
  const evidence = `${faster.evidence}; ${gp.preset}'s Fréchet distance fell by ${fmt(firstGain)} in the first half of its budget and ${fmt(secondGain)} in the second`;
  const verdict: Verdict = faster.verdict === 'inconclusive' ? 'inconclusive' : faster.verdict === 'confirmed' && stalls ? 'confirmed' : 'refuted';
  return { claim: 'Gradient penalty converges faster on the fully-connected nets and then stalls', thesis: '6: FC WGAN-GP, 4,500 iterations in 101 s, then no further improvement', verdict, evidence };
}

/** Mean pairwise MS-SSIM above which a set of samples has not yet diverged from its near-identical start. */
const DIVERGED = 0.9;

/** Faces: a higher mean pairwise MS-SSIM than the DCGAN's means less diverse ("average faces"). */
export function averageFaceClaim(dcgan: Experiment, fc: Experiment): ClaimResult {
  const d = last(dcgan.entropy);
  const f = last(fc.entropy);
  // Freshly initialised generators all draw near-identical images (MS-SSIM ≈ 1): judge only once the DCGAN's have diverged.
  const verdict: Verdict = d > DIVERGED ? 'inconclusive' : f >= d + 0.1 ? 'confirmed' : f <= d ? 'refuted' : 'inconclusive';
  return {
    claim: 'The fully-connected WGAN makes near-identical "average faces"', thesis: '5.5: mode collapse with pixel noise', verdict,
    evidence: `final mean pairwise MS-SSIM (1 = identical): ${fc.preset} ${fmt(f)}, ${dcgan.preset} ${fmt(d)}`,
  };
}

/** Faces: the optimised FC generators (a) and (b) are slightly more diverse than the plain FC WGAN. */
export function moreDiverseClaim(fc: Experiment, variants: Experiment[]): ClaimResult {
  const base = last(fc.entropy);
  const lower = variants.filter((v) => last(v.entropy) < base).length;
  const diverged = [fc, ...variants].some((e) => last(e.entropy) <= DIVERGED);
  const verdict: Verdict = !diverged ? 'inconclusive' : lower === variants.length ? 'confirmed' : lower === 0 ? 'refuted' : 'inconclusive';
  return {
    claim: 'The optimised FC generators (a, b) are more diverse than the plain FC WGAN', thesis: '5.6: slightly more diverse; (b) blurry', verdict,
    evidence: `final mean pairwise MS-SSIM: ${fc.preset} ${fmt(base)}; ${variants.map((v) => `${v.preset} ${fmt(last(v.entropy))}`).join(', ')}`,
  };
}
