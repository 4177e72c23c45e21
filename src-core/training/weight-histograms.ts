import type { Network } from '../models/network.ts';
import type { WeightHistogram } from '../store/histograms.ts';

/** Bins of a weight histogram. */
const HISTOGRAM_BINS = 40;

/** Histograms of a network's kernels (dense, conv, deconv), keyed "<net>/<param>". */
export function weightHistograms(prefix: string, net: Network, clip: number | null): Record<string, WeightHistogram> {
  const out: Record<string, WeightHistogram> = {};
  for (const p of net.params) {
    if (!p.kind.endsWith('-kernel')) continue;
    const w = p.variable.dataSync() as Float32Array;
    let min = Infinity;
    let max = -Infinity;
    for (const v of w) {
      if (v < min) min = v;
      if (v > max) max = v;
    }
    const range = Math.max(Math.abs(min), Math.abs(max), clip ?? 0, 1e-12);
    const counts = new Array<number>(HISTOGRAM_BINS).fill(0);
    let atBound = 0;
    for (const v of w) {
      counts[Math.min(HISTOGRAM_BINS - 1, Math.floor(((v + range) / (2 * range)) * HISTOGRAM_BINS))]! += 1;
      if (clip !== null && Math.abs(Math.abs(v) - clip) <= 0.01 * clip) atBound += 1;
    }
    out[`${prefix}/${p.name}`] = { range, counts, min, max, atClipBound: clip === null ? null : atBound / w.length };
  }
  return out;
}
