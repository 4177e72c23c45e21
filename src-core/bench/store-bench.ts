import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../store/index.ts';
import { appendMetrics, displaySeries, type MetricPoint } from '../store/metrics.ts';
import { insertRun, listRuns } from '../store/runs.ts';
import { median } from './machine.ts';

function time<T>(f: () => T): [T, number] {
  const t0 = performance.now();
  const r = f();
  return [r, performance.now() - t0];
}

function repeat(n: number, f: () => unknown): number {
  const times: number[] = [];
  for (let i = 0; i < n; i++) times.push(time(f)[1]);
  return median(times);
}

/**
 * The run store at scale: (1) one series of 1,000,000 points, read for display at
 * 2,000 points; (2) 1,000 runs of 1,000 points each, listed with each run's best value.
 * Points are written in the runner's batch size (500 per transaction).
 */
export function benchStore(): void {
  const home = mkdtempSync(join(tmpdir(), 'gwb-bench-store-'));
  try {
    const db = openStore(home);
    const newRun = (i: number) => insertRun(db, { id: `bench-${i}`, preset: 'captcha-dcgan', config: { i }, seed: i, backendChoice: 'wasm', targetSteps: 1000 });
    const batch = (pk: number, key: string, from: number, n: number): MetricPoint[] =>
      Array.from({ length: n }, (_, i) => ({ key, step: from + i, seconds: (from + i) / 10, value: Math.sin((from + i) / 1000) + Math.random() * 0.1 }));

    const long = newRun(0);
    const [, insertLong] = time(() => {
      for (let s = 1; s <= 1_000_000; s += 500) appendMetrics(db, long.pk, batch(long.pk, 'd', s, 500));
    });
    const series = displaySeries(db, long.pk, 'd', 2000);
    const seriesMs = repeat(20, () => displaySeries(db, long.pk, 'd', 2000));
    console.log(`1 series × 1,000,000 points: insert ${(insertLong / 1000).toFixed(1)} s (${Math.round(1e6 / (insertLong / 1000)).toLocaleString('en')} points/s); ` +
      `display read → ${series.length} points: median ${seriesMs.toFixed(1)} ms (target < 50 ms)`);

    const [, insertMany] = time(() => {
      for (let r = 1; r <= 1000; r++) {
        const run = newRun(r);
        for (let s = 1; s <= 1000; s += 500) appendMetrics(db, run.pk, batch(run.pk, 'd', s, 500));
      }
    });
    const listed = listRuns(db, { metric: 'd', sort: 'best' });
    const listMs = repeat(20, () => listRuns(db, { metric: 'd', sort: 'best' }));
    const filteredMs = repeat(20, () => listRuns(db, { metric: 'd', sort: 'best', preset: 'captcha-dcgan', text: 'bench-9' }));
    console.log(`1,000 runs × 1,000 points: insert ${(insertMany / 1000).toFixed(1)} s; run list with best d (${listed.length} runs): ` +
      `median ${listMs.toFixed(1)} ms (target < 100 ms); filtered by preset + text: ${filteredMs.toFixed(1)} ms`);
    db.close();
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}
