import type { Database } from 'better-sqlite3';

/**
 * Captcha datasets: one row per imported captcha (its normalised grayscale pixels,
 * label and labelling status), every label change as an event (undo/redo survive a
 * restart), the recogniser's predictions, and the mislabel ranking.
 */
export function up(db: Database): void {
  db.exec(`
    CREATE TABLE captchas (
      pk INTEGER PRIMARY KEY,
      dataset INTEGER NOT NULL REFERENCES datasets (pk) ON DELETE CASCADE,
      ordinal INTEGER NOT NULL,
      file TEXT NOT NULL,
      pixels BLOB NOT NULL,
      label TEXT,
      status TEXT NOT NULL CHECK (status IN ('unlabelled', 'labelled', 'skipped', 'flagged')),
      updated_at TEXT NOT NULL,
      UNIQUE (dataset, ordinal)
    ) STRICT;
    CREATE INDEX captchas_by_status ON captchas (dataset, status, ordinal);

    CREATE TABLE label_events (
      pk INTEGER PRIMARY KEY,
      dataset INTEGER NOT NULL REFERENCES datasets (pk) ON DELETE CASCADE,
      captcha INTEGER NOT NULL REFERENCES captchas (pk) ON DELETE CASCADE,
      before_label TEXT,
      before_status TEXT NOT NULL,
      after_label TEXT,
      after_status TEXT NOT NULL,
      undone INTEGER NOT NULL DEFAULT 0 CHECK (undone IN (0, 1)),
      at TEXT NOT NULL
    ) STRICT;
    CREATE INDEX label_events_by_dataset ON label_events (dataset, pk);

    CREATE TABLE recognizers (
      pk INTEGER PRIMARY KEY,
      dataset INTEGER NOT NULL REFERENCES datasets (pk) ON DELETE CASCADE,
      weights_path TEXT NOT NULL,
      sha256 TEXT NOT NULL,
      alphabet TEXT NOT NULL,
      character_accuracy REAL NOT NULL,
      captcha_accuracy REAL NOT NULL,
      confusion TEXT NOT NULL,
      train_captchas INTEGER NOT NULL,
      validation_captchas INTEGER NOT NULL,
      created_at TEXT NOT NULL
    ) STRICT;

    CREATE TABLE predictions (
      captcha INTEGER NOT NULL REFERENCES captchas (pk) ON DELETE CASCADE,
      recognizer INTEGER NOT NULL REFERENCES recognizers (pk) ON DELETE CASCADE,
      label TEXT NOT NULL,
      confidence REAL NOT NULL,
      PRIMARY KEY (captcha, recognizer)
    ) STRICT, WITHOUT ROWID;

    CREATE TABLE mislabel_scores (
      captcha INTEGER NOT NULL PRIMARY KEY REFERENCES captchas (pk) ON DELETE CASCADE,
      dataset INTEGER NOT NULL REFERENCES datasets (pk) ON DELETE CASCADE,
      score REAL NOT NULL,
      suggested TEXT NOT NULL,
      computed_at TEXT NOT NULL
    ) STRICT;
    CREATE INDEX mislabel_scores_by_dataset ON mislabel_scores (dataset, score DESC);
  `);
}
