import type { Database } from 'better-sqlite3';

/** Recognisers of two models (the thesis's LeNet on tiles, the segmentation-free CTC one), and how well calibrated each is. */
export function up(db: Database): void {
  db.exec(`
    ALTER TABLE recognizers ADD COLUMN model TEXT NOT NULL DEFAULT 'lenet' CHECK (model IN ('lenet', 'ctc'));
    ALTER TABLE recognizers ADD COLUMN calibration_error REAL;
  `);
}
