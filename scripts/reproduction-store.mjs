/**
 * Carries a long reproduction's finished runs from one machine to the next, through git:
 * a reproduction of the thesis's captcha experiments at 700 s a run takes ≈ 3 h of
 * exclusive CPU, more than one sitting on a fresh machine.
 *
 *   node scripts/reproduction-store.mjs save HOME DIR
 *     the run store (WAL folded in), the reference recogniser the metrics were measured
 *     with, and each completed run's final sample grid (all a report uses); checkpoints
 *     stay behind (85 MB a run), so a run cut short is trained again.
 *   node scripts/reproduction-store.mjs restore DIR HOME
 *     the same into HOME, the sample paths rewritten to it; then the same
 *     `reproduce captcha …` command in HOME keeps the finished runs and trains the rest.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import Database from 'better-sqlite3';

const [verb, from, to] = process.argv.slice(2);
if (!['save', 'restore'].includes(verb) || !from || !to) {
  console.error('usage: node scripts/reproduction-store.mjs save HOME DIR | restore DIR HOME');
  process.exit(2);
}
const REFERENCE = join('cache', 'reference-recognizer-v1.ckpt');

if (verb === 'save') {
  const home = resolve(from);
  const dir = resolve(to);
  mkdirSync(join(dir, 'cache'), { recursive: true });
  const db = new Database(join(home, 'workbench.db'));
  db.pragma('wal_checkpoint(TRUNCATE)');
  await db.backup(join(dir, 'workbench.db'));
  const finals = db.prepare(`SELECT r.id, s.path FROM runs r JOIN samples s ON s.run = r.pk
    WHERE r.status = 'completed' AND s.step = (SELECT MAX(step) FROM samples WHERE run = r.pk)`).all();
  db.close();
  copyFileSync(join(home, REFERENCE), join(dir, REFERENCE));
  for (const f of finals) {
    mkdirSync(join(dir, 'runs', f.id, 'samples'), { recursive: true });
    copyFileSync(f.path, join(dir, 'runs', f.id, 'samples', basename(f.path)));
  }
  writeFileSync(join(dir, 'saved-from.txt'), `${home}\n`);
  console.log(`saved ${finals.length} completed runs from ${home} to ${dir}`);
} else {
  const dir = resolve(from);
  const home = resolve(to);
  const savedFrom = readFileSync(join(dir, 'saved-from.txt'), 'utf8').trim();
  mkdirSync(join(home, 'cache'), { recursive: true });
  if (existsSync(join(home, 'workbench.db'))) {
    console.error(`${home} already holds a run store: restore into an empty home`);
    process.exit(2);
  }
  copyFileSync(join(dir, 'workbench.db'), join(home, 'workbench.db'));
  copyFileSync(join(dir, REFERENCE), join(home, REFERENCE));
  const db = new Database(join(home, 'workbench.db'));
  db.prepare('UPDATE samples SET path = ? || substr(path, ?) WHERE path LIKE ? || \'%\'').run(home, savedFrom.length + 1, savedFrom);
  const samples = db.prepare('SELECT path FROM samples').all();
  db.close();
  let copied = 0;
  for (const { path } of samples) {
    const saved = join(dir, path.slice(home.length + 1));
    if (!existsSync(saved)) continue;
    mkdirSync(dirname(path), { recursive: true });
    copyFileSync(saved, path);
    copied += 1;
  }
  console.log(`restored the run store and ${copied} final sample grids into ${home} (saved from ${savedFrom})`);
}
