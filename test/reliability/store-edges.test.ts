import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { defaultCaptchaSettings } from '../../src-core/data/captcha-image.ts';
import { exportLabelsCsv, importLabelsCsv } from '../../src-core/data/labels.ts';
import { insertCaptchas, listCaptchas } from '../../src-core/store/captchas.ts';
import { insertDataset } from '../../src-core/store/datasets.ts';
import { openStore, storePaths } from '../../src-core/store/index.ts';
import { LATEST_VERSION } from '../../src-core/store/migrations/index.ts';
import { migrate } from '../../src-core/store/open.ts';
import { csvField, unguardCsvField } from '../../src-core/util/csv.ts';
import { tempDir } from '../helpers.ts';

describe('store edges', () => {
  it('CSV fields never become spreadsheet formulas, quote \\r, and labels round-trip through export and import', () => {
    assert.equal(csvField('=HYPERLINK("x")'), `"'=HYPERLINK(""x"")"`);
    for (const s of ['+1', '-2', '@SUM(A1)', '\tx']) assert.equal(csvField(s), `'${s}`);
    assert.equal(csvField('a\rb'), '"a\rb"');
    assert.equal(csvField(-1.5), '-1.5', 'numbers stay numbers');
    assert.equal(unguardCsvField(`'=x`), '=x');
    assert.equal(unguardCsvField(`'plain`), `'plain`, 'only a guard is removed');

    const home = tempDir();
    const db = openStore(home);
    const settings = { ...defaultCaptchaSettings(), alphabet: '0123456789abcdefghijklmnopqrstuvwxyz' };
    const { id } = insertDataset(db, { kind: 'captcha', name: 'scraped', sourcePath: '/x', settings });
    const pixels = new Uint8Array(settings.width * settings.height);
    insertCaptchas(db, id, [{ ordinal: 0, file: '=cmd|calc.png', pixels, label: 'ab12' }, { ordinal: 1, file: '-x.png', pixels, label: null }]);
    const csv = exportLabelsCsv(db, id);
    assert.ok(!/^[=+\-@]/m.test(csv), csv);
    const file = join(home, 'labels.csv');
    writeFileSync(file, csv.replace('ab12', 'cd34'));
    assert.deepEqual(importLabelsCsv(db, id, file), { applied: 1, unchanged: 1 });
    assert.deepEqual(listCaptchas(db, id).map((c) => [c.file, c.label]), [['=cmd|calc.png', 'cd34'], ['-x.png', null]]);
    db.close();
  });

  it('a backup that cannot be written is a warning; the store opens and works', () => {
    const home = tempDir();
    writeFileSync(join(home, 'placeholder'), '');
    // A file where the backups folder goes: mkdir fails, as on a full or read-only disk.
    writeFileSync(storePaths(home).backups, 'not a folder');
    const warnings: string[] = [];
    const db = openStore(home, { warn: (l) => warnings.push(l) });
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /warning: the daily backup of the store failed: .*EEXIST|ENOTDIR/);
    assert.equal(db.pragma('user_version', { simple: true }), LATEST_VERSION);
    db.close();
  });

  it('a backup is complete under its final name, never left half-written as a .partial', () => {
    const home = tempDir();
    openStore(home).close();
    assert.deepEqual(readdirSync(storePaths(home).backups).filter((f) => !f.endsWith('.db')), []);
  });

  it('two processes that both read an old schema version migrate once: the second finds the work done', () => {
    const home = tempDir();
    const file = join(home, 'race.db');
    const [first, second] = [new Database(file), new Database(file)];
    // Both read version 0 before either migrates (what two processes opening a new store at once do).
    const seen = [first, second].map((db) => Number(db.pragma('user_version', { simple: true })));
    assert.deepEqual(seen, [0, 0]);
    migrate(first, seen[0]!);
    assert.doesNotThrow(() => migrate(second, seen[1]!));
    assert.equal(second.pragma('user_version', { simple: true }), LATEST_VERSION);
    first.close();
    second.close();
  });
});
