import type { Db } from './open.ts';

/** A layer's weight distribution: bin counts over [−range, range], and its share at the clip bound. */
export interface WeightHistogram {
  range: number;
  counts: number[];
  min: number;
  max: number;
  /** Share of weights within 1% of ±c (null when the run does not clip). */
  atClipBound: number | null;
}

export function saveHistograms(db: Db, run: number, step: number, histograms: Record<string, WeightHistogram>): void {
  const stmt = db.prepare('INSERT OR REPLACE INTO weight_histograms (run, step, param, histogram) VALUES (?, ?, ?, ?)');
  db.transaction(() => {
    for (const [param, h] of Object.entries(histograms)) stmt.run(run, step, param, JSON.stringify(h));
  })();
}

/** Histograms of a run at the recorded step nearest to `step` (latest when omitted). */
export function histogramsAt(db: Db, run: number, step?: number): { step: number; layers: Record<string, WeightHistogram> } | null {
  const row = db.prepare(`SELECT step FROM weight_histograms WHERE run = ? ORDER BY ${step === undefined ? 'step DESC' : 'abs(step - ?), step'} LIMIT 1`)
    .get(...(step === undefined ? [run] : [run, step])) as { step: number } | undefined;
  if (!row) return null;
  const layers: Record<string, WeightHistogram> = {};
  for (const r of db.prepare('SELECT param, histogram FROM weight_histograms WHERE run = ? AND step = ? ORDER BY param').all(run, row.step) as { param: string; histogram: string }[]) {
    layers[r.param] = JSON.parse(r.histogram) as WeightHistogram;
  }
  return { step: row.step, layers };
}

export function truncateHistograms(db: Db, run: number, step: number): void {
  db.prepare('DELETE FROM weight_histograms WHERE run = ? AND step > ?').run(run, step);
}
