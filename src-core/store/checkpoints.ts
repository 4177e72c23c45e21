import type { Db } from './open.ts';

export interface CheckpointFileRow {
  step: number;
  path: string;
  sha256: string;
}

export interface CheckpointRow extends CheckpointFileRow {
  bytes: number;
  writtenAt: string;
  /** The checkpoint before this one, kept on disk as a fallback (null before the second checkpoint). */
  previous: CheckpointFileRow | null;
}

/**
 * Records the run's latest checkpoint; the one it replaces becomes the previous
 * (its file was renamed to `previousPath` by the writer). One row per run.
 */
export function recordCheckpoint(db: Db, run: number, c: { step: number; path: string; sha256: string; bytes: number; previousPath: string | null }): void {
  db.transaction(() => {
    const before = getCheckpoint(db, run);
    const previous = before && c.previousPath ? { step: before.step, path: c.previousPath, sha256: before.sha256 } : null;
    db.prepare(`INSERT OR REPLACE INTO checkpoints (run, step, path, sha256, bytes, written_at, previous_step, previous_path, previous_sha256)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`)
      .run(run, c.step, c.path, c.sha256, c.bytes, new Date().toISOString(), previous?.step ?? null, previous?.path ?? null, previous?.sha256 ?? null);
  })();
}

export function getCheckpoint(db: Db, run: number): CheckpointRow | null {
  const r = db.prepare(`SELECT step, path, sha256, bytes, written_at AS writtenAt, previous_step, previous_path, previous_sha256
    FROM checkpoints WHERE run = ?`).get(run) as
    (Omit<CheckpointRow, 'previous'> & { previous_step: number | null; previous_path: string | null; previous_sha256: string | null }) | undefined;
  if (!r) return null;
  const { previous_step, previous_path, previous_sha256, ...latest } = r;
  return {
    ...latest,
    previous: previous_step !== null && previous_path && previous_sha256 ? { step: previous_step, path: previous_path, sha256: previous_sha256 } : null,
  };
}
