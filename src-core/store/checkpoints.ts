import type { Db } from './open.ts';

export interface CheckpointRow {
  step: number;
  path: string;
  sha256: string;
  bytes: number;
  writtenAt: string;
}

/** Records the run's latest checkpoint (the file is replaced atomically, so one row per run). */
export function recordCheckpoint(db: Db, run: number, c: Omit<CheckpointRow, 'writtenAt'>): void {
  db.prepare(`INSERT OR REPLACE INTO checkpoints (run, step, path, sha256, bytes, written_at) VALUES (?, ?, ?, ?, ?, ?)`)
    .run(run, c.step, c.path, c.sha256, c.bytes, new Date().toISOString());
}

export function getCheckpoint(db: Db, run: number): CheckpointRow | null {
  const r = db.prepare('SELECT step, path, sha256, bytes, written_at AS writtenAt FROM checkpoints WHERE run = ?').get(run) as CheckpointRow | undefined;
  return r ?? null;
}
