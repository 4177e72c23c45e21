import { Rng } from '../util/rng.ts';

/** A median with its bootstrap percentile interval. */
export interface Interval {
  median: number;
  low: number;
  high: number;
}

/** The report's interval: 90 %, from this many resamples, seeded so a report is reproducible. */
export const LEVEL = 0.9;
const RESAMPLES = 2000;
const SEED = 90;

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

function resample(rng: Rng, xs: readonly number[]): number[] {
  return xs.map(() => xs[rng.int(xs.length)]!);
}

function percentileInterval(estimate: number, draws: number[]): Interval {
  draws.sort((a, b) => a - b);
  const at = (q: number) => draws[Math.min(draws.length - 1, Math.max(0, Math.round(q * (draws.length - 1))))]!;
  return { median: estimate, low: at((1 - LEVEL) / 2), high: at((1 + LEVEL) / 2) };
}

/** The median of one group of seeds, with the 90 % interval of its bootstrap distribution. */
export function medianInterval(xs: readonly number[]): Interval {
  if (xs.length === 0) return { median: NaN, low: NaN, high: NaN };
  const rng = new Rng(SEED);
  return percentileInterval(median(xs), Array.from({ length: RESAMPLES }, () => median(resample(rng, xs))));
}

/** median(b) − median(a), each group resampled on its own, with the 90 % interval. */
export function differenceInterval(a: readonly number[], b: readonly number[]): Interval {
  if (a.length === 0 || b.length === 0) return { median: NaN, low: NaN, high: NaN };
  const rng = new Rng(SEED);
  const draws = Array.from({ length: RESAMPLES }, () => median(resample(rng, b)) - median(resample(rng, a)));
  return percentileInterval(median(b) - median(a), draws);
}

/** "m [low, high]" with `digits` significant digits. */
export function formatInterval(i: Interval, digits = 3, unit = ''): string {
  const f = (v: number) => (Number.isFinite(v) ? v.toPrecision(digits) : '—');
  return `${f(i.median)}${unit} [${f(i.low)}, ${f(i.high)}]`;
}

/** Wilson score interval of a proportion k / n at the report's level (LEVEL: z = 1.645). */
export function wilsonInterval(k: number, n: number): Interval {
  if (n === 0) return { median: NaN, low: NaN, high: NaN };
  const z = 1.6448536;
  const p = k / n;
  const centre = (p + (z * z) / (2 * n)) / (1 + (z * z) / n);
  const half = (z / (1 + (z * z) / n)) * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n));
  return { median: p, low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}
