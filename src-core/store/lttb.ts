/** A point of a metric series: x is the step (or wall seconds), y the value. */
export interface XY {
  x: number;
  y: number;
}

/**
 * Largest-Triangle-Three-Buckets downsampling (Steinarsson 2013): keeps the first
 * and last points and, per bucket, the point forming the largest triangle with the
 * previous kept point and the next bucket's mean — the shape survives, noise thins.
 */
export function lttb<T extends XY>(points: T[], threshold: number): T[] {
  const n = points.length;
  if (threshold >= n || threshold < 3) return points.slice();
  const out: T[] = [points[0]!];
  const every = (n - 2) / (threshold - 2);
  let a = 0;
  for (let i = 0; i < threshold - 2; i++) {
    const nextStart = Math.floor((i + 1) * every) + 1;
    const nextEnd = Math.min(Math.floor((i + 2) * every) + 1, n);
    let avgX = 0;
    let avgY = 0;
    for (let j = nextStart; j < nextEnd; j++) {
      avgX += points[j]!.x;
      avgY += points[j]!.y;
    }
    const len = Math.max(1, nextEnd - nextStart);
    avgX /= len;
    avgY /= len;
    const start = Math.floor(i * every) + 1;
    const end = Math.floor((i + 1) * every) + 1;
    const pa = points[a]!;
    let best = start;
    let bestArea = -1;
    for (let j = start; j < end; j++) {
      const p = points[j]!;
      const area = Math.abs((pa.x - avgX) * (p.y - pa.y) - (pa.x - p.x) * (avgY - pa.y));
      if (area > bestArea) {
        bestArea = area;
        best = j;
      }
    }
    out.push(points[best]!);
    a = best;
  }
  out.push(points[n - 1]!);
  return out;
}
