import type { Database } from 'better-sqlite3';

/**
 * A recogniser's confidences are calibrated by temperature scaling, fitted on its
 * validation split: the temperature, and the calibration error before it (the
 * existing `calibration_error` is the calibrated one, on the test split).
 */
export function up(db: Database): void {
  db.exec(`
    ALTER TABLE recognizers ADD COLUMN temperature REAL NOT NULL DEFAULT 1;
    ALTER TABLE recognizers ADD COLUMN raw_calibration_error REAL;
  `);
}
