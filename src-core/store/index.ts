import { markInterrupted } from './runs.ts';
import { openDatabase, type Db } from './open.ts';

export { StoreError, storePaths, type Db } from './open.ts';

/**
 * The workbench's run store: the database in `home`, migrated, with runs whose
 * runner died marked 'interrupted'. Every process (runner, CLI, app) opens its own.
 */
export function openStore(home: string, opts: { readonly?: boolean } = {}): Db {
  const db = openDatabase(home, opts);
  if (!opts.readonly) markInterrupted(db);
  return db;
}
