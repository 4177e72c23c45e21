import type { Database } from 'better-sqlite3';

/**
 * Runs, their tags, and metrics in one tall table (MLflow's model: run, key, step,
 * wall seconds, value), with per-series summaries and a level-of-detail table so
 * that run lists with best values and long series for display read few rows.
 */
export function up(db: Database): void {
  db.exec(`
    CREATE TABLE runs (
      pk INTEGER PRIMARY KEY,
      id TEXT NOT NULL UNIQUE,
      preset TEXT NOT NULL,
      config TEXT NOT NULL,
      seed INTEGER NOT NULL,
      backend_choice TEXT NOT NULL,
      backend TEXT,
      dataset TEXT,
      status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'completed', 'stopped', 'failed', 'interrupted')),
      created_at TEXT NOT NULL,
      started_at TEXT,
      ended_at TEXT,
      steps_done INTEGER NOT NULL DEFAULT 0,
      target_steps INTEGER NOT NULL,
      wall_seconds REAL NOT NULL DEFAULT 0,
      error TEXT,
      notes TEXT NOT NULL DEFAULT '',
      pid INTEGER,
      host TEXT,
      heartbeat_at TEXT
    ) STRICT;
    CREATE INDEX runs_by_created ON runs (created_at);
    CREATE INDEX runs_by_preset ON runs (preset, created_at);
    CREATE INDEX runs_by_status ON runs (status, created_at);

    CREATE TABLE run_tags (
      run INTEGER NOT NULL REFERENCES runs (pk) ON DELETE CASCADE,
      tag TEXT NOT NULL,
      PRIMARY KEY (run, tag)
    ) STRICT, WITHOUT ROWID;
    CREATE INDEX run_tags_by_tag ON run_tags (tag);

    CREATE TABLE metrics (
      run INTEGER NOT NULL REFERENCES runs (pk) ON DELETE CASCADE,
      key TEXT NOT NULL,
      step INTEGER NOT NULL,
      seconds REAL NOT NULL,
      value REAL NOT NULL,
      PRIMARY KEY (run, key, step)
    ) STRICT, WITHOUT ROWID;

    CREATE TABLE metric_series (
      run INTEGER NOT NULL REFERENCES runs (pk) ON DELETE CASCADE,
      key TEXT NOT NULL,
      count INTEGER NOT NULL,
      last_step INTEGER NOT NULL,
      last_value REAL NOT NULL,
      min_value REAL NOT NULL,
      max_value REAL NOT NULL,
      PRIMARY KEY (run, key)
    ) STRICT, WITHOUT ROWID;
    CREATE INDEX metric_series_by_key ON metric_series (key, min_value);

    -- Buckets of consecutive points per series (metrics.ts: BUCKET_SIZE): first, last, min and max point.
    CREATE TABLE metric_buckets (
      run INTEGER NOT NULL REFERENCES runs (pk) ON DELETE CASCADE,
      key TEXT NOT NULL,
      bucket INTEGER NOT NULL,
      first_step INTEGER NOT NULL, first_seconds REAL NOT NULL, first_value REAL NOT NULL,
      last_step INTEGER NOT NULL, last_seconds REAL NOT NULL, last_value REAL NOT NULL,
      min_step INTEGER NOT NULL, min_seconds REAL NOT NULL, min_value REAL NOT NULL,
      max_step INTEGER NOT NULL, max_seconds REAL NOT NULL, max_value REAL NOT NULL,
      PRIMARY KEY (run, key, bucket)
    ) STRICT, WITHOUT ROWID;
  `);
}
