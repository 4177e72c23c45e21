import type { Database } from 'better-sqlite3';

/** Per-layer weight histograms at chosen steps (the thesis's claim that clipping drives weights to ±c). */
export function up(db: Database): void {
  db.exec(`
    CREATE TABLE weight_histograms (
      run INTEGER NOT NULL REFERENCES runs (pk) ON DELETE CASCADE,
      step INTEGER NOT NULL,
      param TEXT NOT NULL,
      histogram TEXT NOT NULL,
      PRIMARY KEY (run, step, param)
    ) STRICT, WITHOUT ROWID;
  `);
}
