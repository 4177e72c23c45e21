/**
 * A workbench home's one SQLite store, opened (migrated, checked, backed up) for the
 * entry layers: the CLI and the API service open it here and hand the connection to
 * the use cases. A StoreError (domain/errors.ts) says why it cannot be opened.
 */
import { openStore } from '../store/index.ts';
import type { Db } from '../store/open.ts';

export { openStore, type Db };

/** Runs `f` with the home's store open and closes it after — once its promise settles when it returns one, also when it throws. */
export function withStore<T>(home: string, f: (db: Db) => T): T {
  const db = openStore(home);
  let result: T;
  try {
    result = f(db);
  } catch (err) {
    db.close();
    throw err;
  }
  if (result instanceof Promise) return result.finally(() => db.close()) as T;
  db.close();
  return result;
}
