import { markInterrupted } from './run-ownership.ts';
import { backupIfDue, openDatabase, type Db } from './open.ts';

export { storePaths, type Db } from './open.ts';

export interface OpenStoreOptions {
  readonly?: boolean;
  /** Make the daily backup if due (the app, the host, the CLI); runner and task processes leave it to them. */
  backup?: boolean;
  /** Where a failed backup is reported (default: a line on stderr). */
  warn?: (line: string) => void;
}

/**
 * The workbench's run store: the database in `home`, migrated, backed up at most
 * once a day, with runs whose runner died marked 'interrupted'. Every process (runner, CLI, app) opens its own.
 * A backup that fails (full disk, no permission) is a warning: the store is still usable.
 */
export function openStore(home: string, opts: OpenStoreOptions = {}): Db {
  const db = openDatabase(home, opts);
  if (!opts.readonly) {
    markInterrupted(db);
    // A daily copy, so a damaged database always has a recent good backup to name.
    if (opts.backup !== false) {
      try {
        backupIfDue(db, home);
      } catch (err) {
        (opts.warn ?? ((line) => process.stderr.write(`${line}\n`)))(`warning: the daily backup of the store failed: ${(err as Error).message}`);
      }
    }
  }
  return db;
}
