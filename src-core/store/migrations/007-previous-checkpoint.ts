import type { Database } from 'better-sqlite3';

/**
 * The checkpoint before the latest is kept beside it (checkpoint.prev.ckpt) and its
 * checksum recorded here, so a resume whose latest file is damaged or unrecorded
 * (a crash between writing it and recording it) falls back to a verified one.
 */
export function up(db: Database): void {
  db.exec(`
    ALTER TABLE checkpoints ADD COLUMN previous_step INTEGER;
    ALTER TABLE checkpoints ADD COLUMN previous_path TEXT;
    ALTER TABLE checkpoints ADD COLUMN previous_sha256 TEXT;
  `);
}
