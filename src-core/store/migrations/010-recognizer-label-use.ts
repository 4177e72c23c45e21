import type { Database } from 'better-sqlite3';

/**
 * What a recogniser learnt from: the typed labels it used (training and validation;
 * a label budget may use fewer than the dataset has) and the unlabelled captchas
 * self-training read. Recognisers from before: NULL (every label, nothing unlabelled).
 */
export function up(db: Database): void {
  db.exec(`
    ALTER TABLE recognizers ADD COLUMN labels_used INTEGER;
    ALTER TABLE recognizers ADD COLUMN unlabelled_used INTEGER;
    ALTER TABLE recognizers ADD COLUMN pseudo_labelled INTEGER;
  `);
}
