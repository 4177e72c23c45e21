import Database from 'better-sqlite3';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { StoreError } from '../domain/errors.ts';
import { LATEST_VERSION, MIGRATIONS } from './migrations/index.ts';

export type Db = Database.Database;

export const storePaths = (home: string) => ({
  db: join(home, 'workbench.db'),
  backups: join(home, 'backups'),
  runs: join(home, 'runs'),
});

/** Backups kept (newest first); one is made before each migration and at most once a day. */
const KEEP_BACKUPS = 5;
const BACKUP_INTERVAL_MS = 24 * 3600 * 1000;

function backupsNewestFirst(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((f) => f.startsWith('workbench-') && f.endsWith('.db')).sort().reverse().map((f) => join(dir, f));
}

function lastGoodBackup(home: string): string {
  const newest = backupsNewestFirst(storePaths(home).backups)[0];
  return newest ? `the last good backup is ${newest}` : 'there is no backup yet';
}

/**
 * Opens (creating if absent) the workbench database: WAL, foreign keys, a busy
 * timeout so readers and the runner's writer wait rather than fail, and every
 * pending migration, each in its own transaction. A damaged file or one from a
 * newer version is refused with the reason and the last good backup; it is never
 * recreated over the user's data.
 */
export function openDatabase(home: string, opts: { readonly?: boolean } = {}): Db {
  const paths = storePaths(home);
  mkdirSync(home, { recursive: true });
  const existed = existsSync(paths.db) && statSync(paths.db).size > 0;
  let db: Db;
  try {
    db = new Database(paths.db, {
      readonly: Boolean(opts.readonly) && existed, fileMustExist: Boolean(opts.readonly) && existed,
      // `npm start` runs Electron (another ABI) beside Node's build: scripts/start-electron.mjs points here.
      nativeBinding: process.env.GAN_WORKBENCH_SQLITE_BINDING || undefined,
    });
  } catch (err) {
    throw new StoreError(`cannot open ${paths.db}: ${(err as Error).message}; ${lastGoodBackup(home)}`);
  }
  try {
    db.pragma('busy_timeout = 5000');
    const check = existed ? String(db.pragma('quick_check', { simple: true })) : 'ok';
    if (check !== 'ok') throw new StoreError(`${paths.db} is damaged (${check})`);
    if (!opts.readonly) db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    db.pragma('synchronous = NORMAL');
    const version = Number(db.pragma('user_version', { simple: true }));
    if (version > LATEST_VERSION) {
      throw new StoreError(
        `${paths.db} has schema version ${version}, newer than this GAN Workbench understands (${LATEST_VERSION}): update the app`,
      );
    }
    if (version < LATEST_VERSION && !opts.readonly) {
      if (existed) backup(db, home);
      migrate(db, version);
    }
  } catch (err) {
    db.close();
    if (err instanceof StoreError) {
      throw new StoreError(`${err.message}. Nothing was changed; ${lastGoodBackup(home)}.`);
    }
    const message = (err as Error).message;
    throw new StoreError(`${paths.db} cannot be used (${message}). Nothing was changed; ${lastGoodBackup(home)}.`);
  }
  return db;
}

/**
 * Applies migrations after `from`, each with its version bump in one transaction
 * taken immediately (the write lock first), re-reading the version inside it: of
 * two processes opening an old store at once, the second waits and then finds the
 * migration done, instead of failing with "table exists".
 */
export function migrate(db: Db, from: number, to = LATEST_VERSION): void {
  for (let v = from; v < to; v++) {
    db.transaction(() => {
      if (Number(db.pragma('user_version', { simple: true })) !== v) return;
      MIGRATIONS[v]!(db);
      db.pragma(`user_version = ${v + 1}`);
    }).immediate();
  }
}

/**
 * A consistent copy (VACUUM INTO) written under a temporary name and renamed once
 * complete, so a half-written copy (full disk, crash) is never taken for a backup;
 * newest kept first, old ones pruned.
 */
export function backup(db: Db, home: string): string {
  const dir = storePaths(home).backups;
  mkdirSync(dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const file = join(dir, `workbench-${stamp}-${process.pid}.db`);
  const partial = `${file}.partial`;
  try {
    db.exec(`VACUUM INTO '${partial.replaceAll("'", "''")}'`);
    renameSync(partial, file);
  } finally {
    rmSync(partial, { force: true });
  }
  for (const old of backupsNewestFirst(dir).slice(KEEP_BACKUPS)) rmSync(old, { force: true });
  return file;
}

/** Makes a daily backup if the newest one is older than a day (called by long-lived processes). */
export function backupIfDue(db: Db, home: string): string | null {
  const newest = backupsNewestFirst(storePaths(home).backups)[0];
  if (newest && Date.now() - statSync(newest).mtimeMs < BACKUP_INTERVAL_MS) return null;
  return backup(db, home);
}
