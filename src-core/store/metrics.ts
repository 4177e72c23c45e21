import { csvField } from '../util/csv.ts';
import type { Db } from './open.ts';
import { lttb } from './lttb.ts';

export interface MetricPoint {
  key: string;
  step: number;
  seconds: number;
  value: number;
}

/** Points per level-of-detail bucket: a long series is read as its buckets' extremes. */
export const BUCKET_SIZE = 64;
/** Points a bucket contributes to a display read: first, min, max, last. */
const POINTS_PER_BUCKET = 4;

interface SeriesState {
  count: number;
  last_step: number;
  last_value: number;
  min_value: number;
  max_value: number;
}

/**
 * Appends metric points of one run in one transaction: the raw rows, each series'
 * summary (count, last, min, max), and its buckets' first/last/min/max points.
 * Points must come in increasing step order per key (as training produces them);
 * a point at an existing (key, step) replaces it in the raw table only.
 */
export function appendMetrics(db: Db, run: number, points: MetricPoint[]): void {
  if (points.length === 0) return;
  const insert = db.prepare('INSERT OR REPLACE INTO metrics (run, key, step, seconds, value) VALUES (?, ?, ?, ?, ?)');
  const getSeries = db.prepare('SELECT count, last_step, last_value, min_value, max_value FROM metric_series WHERE run = ? AND key = ?');
  const putSeries = db.prepare(`INSERT OR REPLACE INTO metric_series (run, key, count, last_step, last_value, min_value, max_value)
    VALUES (?, ?, ?, ?, ?, ?, ?)`);
  const getBucket = db.prepare('SELECT * FROM metric_buckets WHERE run = ? AND key = ? AND bucket = ?');
  const putBucket = db.prepare(`INSERT OR REPLACE INTO metric_buckets VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  db.transaction(() => {
    const byKey = new Map<string, MetricPoint[]>();
    for (const p of points) {
      if (!Number.isFinite(p.value)) continue; // NaN/∞ losses are not plottable; the run's log keeps them
      insert.run(run, p.key, p.step, p.seconds, p.value);
      byKey.set(p.key, [...(byKey.get(p.key) ?? []), p]);
    }
    for (const [key, list] of byKey) {
      const s = (getSeries.get(run, key) as SeriesState | undefined) ?? { count: 0, last_step: -1, last_value: 0, min_value: Infinity, max_value: -Infinity };
      let bucketIndex = -1;
      let b: Bucket | null = null;
      for (const p of list) {
        const index = Math.floor(s.count / BUCKET_SIZE);
        if (index !== bucketIndex) {
          if (b) putBucket.run(...bucketRow(run, key, bucketIndex, b));
          bucketIndex = index;
          b = (getBucket.get(run, key, index) as RawBucket | undefined) ? fromRaw(getBucket.get(run, key, index) as RawBucket) : null;
        }
        b = extend(b, p);
        s.count += 1;
        s.last_step = p.step;
        s.last_value = p.value;
        s.min_value = Math.min(s.min_value, p.value);
        s.max_value = Math.max(s.max_value, p.value);
      }
      if (b) putBucket.run(...bucketRow(run, key, bucketIndex, b));
      putSeries.run(run, key, s.count, s.last_step, s.last_value, s.min_value, s.max_value);
    }
  })();
}

type P = [step: number, seconds: number, value: number];
interface Bucket {
  first: P;
  last: P;
  min: P;
  max: P;
}
interface RawBucket {
  first_step: number; first_seconds: number; first_value: number; last_step: number; last_seconds: number; last_value: number;
  min_step: number; min_seconds: number; min_value: number; max_step: number; max_seconds: number; max_value: number;
}

function fromRaw(r: RawBucket): Bucket {
  return {
    first: [r.first_step, r.first_seconds, r.first_value], last: [r.last_step, r.last_seconds, r.last_value],
    min: [r.min_step, r.min_seconds, r.min_value], max: [r.max_step, r.max_seconds, r.max_value],
  };
}

function extend(b: Bucket | null, p: MetricPoint): Bucket {
  const q: P = [p.step, p.seconds, p.value];
  if (!b) return { first: q, last: q, min: q, max: q };
  return { first: b.first, last: q, min: p.value < b.min[2] ? q : b.min, max: p.value > b.max[2] ? q : b.max };
}

function bucketRow(run: number, key: string, index: number, b: Bucket): unknown[] {
  return [run, key, index, ...b.first, ...b.last, ...b.min, ...b.max];
}

/**
 * Drops a run's points after `step` (a resume re-creates them from its checkpoint)
 * and rebuilds that run's summaries and buckets from the raw rows that remain.
 */
export function truncateMetrics(db: Db, run: number, step: number): void {
  db.transaction(() => {
    db.prepare('DELETE FROM metrics WHERE run = ? AND step > ?').run(run, step);
    db.prepare('DELETE FROM metric_series WHERE run = ?').run(run);
    db.prepare('DELETE FROM metric_buckets WHERE run = ?').run(run);
    const rows = db.prepare('SELECT key, step, seconds, value FROM metrics WHERE run = ? ORDER BY key, step').all(run) as MetricPoint[];
    db.prepare('DELETE FROM metrics WHERE run = ?').run(run);
    appendMetrics(db, run, rows);
  })();
}

export interface SeriesPoint {
  step: number;
  seconds: number;
  value: number;
}

/** Every point of one series, in step order (for export). */
export function rawSeries(db: Db, run: number, key: string): SeriesPoint[] {
  return db.prepare('SELECT step, seconds, value FROM metrics WHERE run = ? AND key = ? ORDER BY step').all(run, key) as SeriesPoint[];
}

/** The values of `keys` at the step nearest `step` where any of them was recorded (the earlier on a tie); null when none was. */
export function recordedNear(db: Db, run: number, keys: string[], step: number): { step: number; values: Record<string, number> } | null {
  const marks = keys.map(() => '?').join(',');
  const nearest = db.prepare(`SELECT step FROM metrics WHERE run = ? AND key IN (${marks}) ORDER BY abs(step - ?), step LIMIT 1`)
    .get(run, ...keys, step) as { step: number } | undefined;
  if (!nearest) return null;
  const rows = db.prepare(`SELECT key, value FROM metrics WHERE run = ? AND step = ? AND key IN (${marks})`)
    .all(run, nearest.step, ...keys) as { key: string; value: number }[];
  return { step: nearest.step, values: Object.fromEntries(rows.map((r) => [r.key, r.value])) };
}

/**
 * One series for display, at most `maxPoints` (LTTB over x = step or seconds).
 * A long series is read as its buckets' first/last/min/max points, so the read
 * stays small whatever the series' length, and spikes survive.
 */
export function displaySeries(db: Db, run: number, key: string, maxPoints = 2000, x: 'step' | 'seconds' = 'step'): SeriesPoint[] {
  const summary = db.prepare('SELECT count FROM metric_series WHERE run = ? AND key = ?').get(run, key) as { count: number } | undefined;
  if (!summary) return [];
  let points: SeriesPoint[];
  // Raw rows while the buckets would give fewer points than asked for (≤ 16·maxPoints rows).
  if ((summary.count / BUCKET_SIZE) * POINTS_PER_BUCKET < maxPoints) {
    points = rawSeries(db, run, key);
  } else {
    // Raw arrays, and each bucket's points emitted in step order without sorting:
    // first ≤ {min, max} ≤ last by construction.
    const rows = db.prepare(`SELECT first_step, first_seconds, first_value, min_step, min_seconds, min_value,
      max_step, max_seconds, max_value, last_step, last_seconds, last_value
      FROM metric_buckets WHERE run = ? AND key = ? ORDER BY bucket`).raw().all(run, key) as number[][];
    points = [];
    for (const r of rows) {
      const [lo, hi] = r[3]! <= r[6]! ? [3, 6] : [6, 3];
      let prev = -Infinity;
      for (const o of [0, lo, hi, 9]) {
        if (r[o]! === prev) continue;
        prev = r[o]!;
        points.push({ step: r[o]!, seconds: r[o + 1]!, value: r[o + 2]! });
      }
    }
  }
  const xy = points.map((p) => ({ step: p.step, seconds: p.seconds, value: p.value, x: x === 'step' ? p.step : p.seconds, y: p.value }));
  return lttb(xy, maxPoints).map(({ step, seconds, value }) => ({ step, seconds, value }));
}

/** The metric keys a run has, with their point counts. */
export function metricKeys(db: Db, run: number): { key: string; count: number; last: number; min: number; max: number }[] {
  return db.prepare('SELECT key, count, last_value AS last, min_value AS min, max_value AS max FROM metric_series WHERE run = ? ORDER BY key')
    .all(run) as { key: string; count: number; last: number; min: number; max: number }[];
}

/** CSV of every scalar of the given runs: run,key,step,seconds,value. */
export function* metricsCsv(db: Db, runs: { pk: number; id: string }[]): Generator<string> {
  yield 'run,key,step,seconds,value\n';
  const stmt = db.prepare('SELECT key, step, seconds, value FROM metrics WHERE run = ? ORDER BY key, step');
  for (const r of runs) {
    for (const row of stmt.iterate(r.pk) as Iterable<MetricPoint>) {
      yield `${csvField(r.id)},${csvField(row.key)},${row.step},${row.seconds},${row.value}\n`;
    }
  }
}

/** JSON of every scalar of the given runs: { runs: [{ run, preset, metrics: { key: [[step, seconds, value], …] } }] }. */
export function metricsJson(db: Db, runs: { pk: number; id: string; preset: string }[]): string {
  const stmt = db.prepare('SELECT key, step, seconds, value FROM metrics WHERE run = ? ORDER BY key, step');
  return JSON.stringify({
    runs: runs.map((r) => {
      const metrics: Record<string, [number, number, number][]> = {};
      for (const row of stmt.iterate(r.pk) as Iterable<MetricPoint>) (metrics[row.key] ??= []).push([row.step, row.seconds, row.value]);
      return { run: r.id, preset: r.preset, metrics };
    }),
  });
}
