import type { Database } from 'better-sqlite3';

/**
 * Sweeps: named sets of runs (presets × a grid of settings × seeds) and where they
 * execute ('local', or a Redis queue's address without its password). A run knows
 * its sweep, and, when a fleet worker trains it, that worker and how many times a
 * worker has claimed it.
 */
export function up(db: Database): void {
  db.exec(`
    CREATE TABLE sweeps (
      pk INTEGER PRIMARY KEY,
      id TEXT NOT NULL UNIQUE,
      name TEXT NOT NULL,
      spec TEXT NOT NULL,
      executor TEXT NOT NULL,
      created_at TEXT NOT NULL
    ) STRICT;
    ALTER TABLE runs ADD COLUMN sweep INTEGER REFERENCES sweeps (pk) ON DELETE SET NULL;
    ALTER TABLE runs ADD COLUMN worker TEXT;
    ALTER TABLE runs ADD COLUMN claims INTEGER NOT NULL DEFAULT 0;
    CREATE INDEX runs_by_sweep ON runs (sweep);
  `);
}
