import { markInterrupted } from './run-ownership.ts';
import { backupIfDue, openDatabase, type Db } from './open.ts';

export { StoreError, storePaths, type Db } from './open.ts';

/**
 * The workbench's run store: the database in `home`, migrated, backed up at most
 * once a day, with runs whose runner died marked 'interrupted'. Every process (runner, CLI, app) opens its own.
 */
export function openStore(home: string, opts: { readonly?: boolean } = {}): Db {
  const db = openDatabase(home, opts);
  if (!opts.readonly) {
    markInterrupted(db);
    // A daily copy, so a damaged database always has a recent good backup to name.
    backupIfDue(db, home);
  }
  return db;
}
