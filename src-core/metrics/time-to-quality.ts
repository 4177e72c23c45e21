import type { SeriesPoint } from '../store/metrics.ts';

export interface Crossing {
  step: number;
  seconds: number;
  /** The smoothed value at the crossing. */
  value: number;
}

/**
 * The first point at which a metric, smoothed by a trailing moving average of
 * `window` points, reaches `threshold` — from below for 'above' (legibility,
 * inception-style score), from above for 'below' (Fréchet distance, SWD) — or null.
 */
export function timeToQuality(series: SeriesPoint[], threshold: number, direction: 'above' | 'below', window = 3): Crossing | null {
  let sum = 0;
  for (let i = 0; i < series.length; i++) {
    sum += series[i]!.value;
    if (i >= window) sum -= series[i - window]!.value;
    const smoothed = sum / Math.min(i + 1, window);
    if (direction === 'above' ? smoothed >= threshold : smoothed <= threshold) {
      return { step: series[i]!.step, seconds: series[i]!.seconds, value: smoothed };
    }
  }
  return null;
}

/** Which way is better for the workbench's quality metrics. */
export function betterDirection(metric: string): 'above' | 'below' {
  return /frechet|swd|ms_ssim|^d$|^g$|gp/.test(metric) ? 'below' : 'above';
}
