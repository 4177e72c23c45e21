import type { Database } from 'better-sqlite3';

/** The dataset registry (filled by the importers): kind, source, settings, counts, errors. */
export function up(db: Database): void {
  db.exec(`
    CREATE TABLE datasets (
      pk INTEGER PRIMARY KEY,
      kind TEXT NOT NULL CHECK (kind IN ('captcha', 'faces', 'images')),
      name TEXT NOT NULL,
      source_path TEXT NOT NULL,
      settings TEXT NOT NULL,
      counts TEXT NOT NULL DEFAULT '{}',
      errors TEXT NOT NULL DEFAULT '[]',
      created_at TEXT NOT NULL
    ) STRICT;
  `);
}
