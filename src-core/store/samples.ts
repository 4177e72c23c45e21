import type { Db } from './open.ts';

export interface SampleRow {
  step: number;
  seconds: number;
  path: string;
  sha256: string;
}

export function addSample(db: Db, run: number, s: SampleRow): void {
  db.prepare('INSERT OR REPLACE INTO samples (run, step, seconds, path, sha256) VALUES (?, ?, ?, ?, ?)').run(run, s.step, s.seconds, s.path, s.sha256);
}

export function listSamples(db: Db, run: number): SampleRow[] {
  return db.prepare('SELECT step, seconds, path, sha256 FROM samples WHERE run = ? ORDER BY step').all(run) as SampleRow[];
}

/** The sample grid whose step is nearest to `step` (ties: the earlier). */
export function nearestSample(db: Db, run: number, step: number): SampleRow | null {
  return (db.prepare(`SELECT step, seconds, path, sha256 FROM samples WHERE run = ?
    ORDER BY abs(step - ?), step LIMIT 1`).get(run, step) as SampleRow | undefined) ?? null;
}

export function truncateSamples(db: Db, run: number, step: number): string[] {
  const gone = db.prepare('SELECT path FROM samples WHERE run = ? AND step > ?').all(run, step) as { path: string }[];
  db.prepare('DELETE FROM samples WHERE run = ? AND step > ?').run(run, step);
  return gone.map((g) => g.path);
}
