import type { Database } from 'better-sqlite3';

/** Fixed-noise sample grids and the latest checkpoint, as files referenced with checksums. */
export function up(db: Database): void {
  db.exec(`
    CREATE TABLE samples (
      run INTEGER NOT NULL REFERENCES runs (pk) ON DELETE CASCADE,
      step INTEGER NOT NULL,
      seconds REAL NOT NULL,
      path TEXT NOT NULL,
      sha256 TEXT NOT NULL,
      PRIMARY KEY (run, step)
    ) STRICT, WITHOUT ROWID;

    CREATE TABLE checkpoints (
      run INTEGER NOT NULL PRIMARY KEY REFERENCES runs (pk) ON DELETE CASCADE,
      step INTEGER NOT NULL,
      path TEXT NOT NULL,
      sha256 TEXT NOT NULL,
      bytes INTEGER NOT NULL,
      written_at TEXT NOT NULL
    ) STRICT;
  `);
}
