import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { LATEST_VERSION } from '../../src-core/store/migrations/index.ts';
import { StoreError } from '../../src-core/domain/errors.ts';
import { backup, migrate, openDatabase, storePaths } from '../../src-core/store/open.ts';
import { tempDir } from '../helpers.ts';
import { openStore } from '../../src-core/store/index.ts';
import { RUN_STATUSES } from '../../src-core/domain/runs.ts';
import { DATASET_KINDS } from '../../src-core/domain/datasets.ts';

function schema(db: Database.Database): string[] {
  return (db.prepare("SELECT type, name, tbl_name, sql FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name").all() as { sql: string }[])
    .map((r) => JSON.stringify(r));
}

const hash = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

describe('schema migrations', () => {
  it(`a fresh database is at version ${LATEST_VERSION} with WAL and foreign keys on`, () => {
    const db = openDatabase(tempDir());
    assert.equal(db.pragma('user_version', { simple: true }), LATEST_VERSION);
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    assert.equal(db.pragma('foreign_keys', { simple: true }), 1);
    assert.ok(Number(db.pragma('busy_timeout', { simple: true })) >= 1000);
    db.close();
  });

  it('the schema\'s CHECK lists are the domain\'s run statuses and dataset kinds (migrations are frozen; the domain is not)', () => {
    const db = openDatabase(tempDir());
    const insertRun = db.prepare("INSERT INTO runs (id, preset, config, seed, backend_choice, status, created_at, target_steps) VALUES (?, 'p', '{}', 0, 'auto', ?, '2026-01-01', 1)");
    for (const status of RUN_STATUSES) insertRun.run(`run-${status}`, status);
    assert.throws(() => insertRun.run('run-bogus', 'paused'), /CHECK constraint failed/);
    const insertDataset = db.prepare("INSERT INTO datasets (kind, name, source_path, settings, created_at) VALUES (?, 'd', '/', '{}', '2026-01-01')");
    for (const kind of DATASET_KINDS) insertDataset.run(kind);
    assert.throws(() => insertDataset.run('audio'), /CHECK constraint failed/);
    db.close();
  });

  for (let from = 0; from < LATEST_VERSION; from++) {
    it(`migrating from version ${from} gives the same schema as a fresh database (and keeps the data)`, () => {
      const fresh = openDatabase(tempDir());
      const expected = schema(fresh);
      fresh.close();
      const home = tempDir();
      const old = new Database(storePaths(home).db);
      migrate(old, 0, from);
      old.pragma(`user_version = ${from}`);
      if (from >= 1) {
        old.prepare(`INSERT INTO runs (id, preset, config, seed, backend_choice, status, created_at, target_steps)
          VALUES ('r1', 'captcha-dcgan', '{}', 0, 'wasm', 'completed', '2026-01-01', 10)`).run();
      }
      old.close();
      const db = openDatabase(home);
      assert.deepEqual(schema(db), expected);
      assert.equal(db.pragma('user_version', { simple: true }), LATEST_VERSION);
      if (from >= 1) assert.equal((db.prepare('SELECT count(*) AS n FROM runs').get() as { n: number }).n, 1);
      db.close();
      // A backup is made before migrating an existing database.
      const backups = storePaths(home).backups;
      assert.ok(existsSync(backups) && readdirSync(backups).some((f) => f.endsWith('.db')));
    });
  }

  it('refuses a database newer than the code, changing nothing', () => {
    const home = tempDir();
    openDatabase(home).close();
    const db = new Database(storePaths(home).db);
    db.pragma(`user_version = ${LATEST_VERSION + 1}`);
    db.close();
    const before = hash(storePaths(home).db);
    assert.throws(() => openDatabase(home), (e: unknown) => e instanceof StoreError && /newer than this GAN Workbench understands/.test(e.message));
    assert.equal(hash(storePaths(home).db), before);
  });

  it('refuses a damaged file with the path of the last good backup, and never recreates it', () => {
    const home = tempDir();
    const db = openDatabase(home);
    db.prepare(`INSERT INTO runs (id, preset, config, seed, backend_choice, status, created_at, target_steps)
      VALUES ('r1', 'captcha-dcgan', '{}', 0, 'wasm', 'completed', '2026-01-01', 10)`).run();
    const good = backup(db, home);
    db.close();
    // Overwrite the middle of the file (past the header) with garbage.
    const bytes = readFileSync(storePaths(home).db);
    for (let i = 4096; i < Math.min(bytes.length, 4096 * 3); i++) bytes[i] = 0xa5;
    writeFileSync(storePaths(home).db, bytes);
    const before = hash(storePaths(home).db);
    assert.throws(() => openDatabase(home), (e: unknown) => e instanceof StoreError && e.message.includes(good) && /Nothing was changed/.test(e.message));
    assert.equal(hash(storePaths(home).db), before);
  });

  it('the store keeps a daily backup: one per day, not one per open', () => {
    const home = tempDir();
    openStore(home).close();
    openStore(home).close();
    assert.equal(readdirSync(storePaths(home).backups).filter((f) => f.endsWith('.db')).length, 1);
  });

  it('refuses a file that is not a database at all', () => {
    const home = tempDir();
    mkdirSync(home, { recursive: true });
    writeFileSync(storePaths(home).db, 'this is not sqlite, this is a text file that happens to be long enough'.repeat(100));
    assert.throws(() => openDatabase(home), (e: unknown) => e instanceof StoreError && /there is no backup yet/.test(e.message));
  });
});

