#!/usr/bin/env node
// Launches the desktop app (after `npm run build`). Two things Electron needs that
// `npm install` does not fetch, so that the install works offline:
// - Electron's binary, downloaded on first start;
// - better-sqlite3 built for Electron's ABI (Node's build stays in place for the CLI
//   and tests): better-sqlite3's own prebuild-install fetches it once into
//   build/native/, and the app is pointed at it (GAN_WORKBENCH_SQLITE_BINDING).
// Where either cannot be downloaded, say so plainly and point at what works without it.
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const root = new URL('..', import.meta.url).pathname;
const fallback = 'Everything else works without it: `npx gan-workbench serve` opens the same app in a browser, `npx gan-workbench --help` lists the CLI.';

let electronDir;
try {
  electronDir = dirname(require.resolve('electron/package.json'));
} catch {
  console.error('Electron is not installed: run `npm install` first.');
  process.exit(1);
}
if (!existsSync(join(electronDir, 'path.txt'))) {
  console.error('Downloading the Electron binary (first start)…');
  const r = spawnSync(process.execPath, [join(electronDir, 'install.js')], { stdio: 'inherit' });
  if (r.status !== 0 || !existsSync(join(electronDir, 'path.txt'))) {
    console.error(`\nThe Electron binary could not be downloaded (no network access to its release server?).\n${fallback}`);
    process.exit(1);
  }
}

const electronVersion = require('electron/package.json').version;
const binding = join(root, 'build', 'native', `electron-${electronVersion}-${process.platform}-${process.arch}`, 'better_sqlite3.node');
if (!existsSync(binding)) {
  console.error(`Fetching better-sqlite3 for Electron ${electronVersion} (first start)…`);
  const sqliteDir = dirname(require.resolve('better-sqlite3/package.json'));
  const work = mkdtempSync(join(tmpdir(), 'gwb-sqlite-'));
  try {
    cpSync(sqliteDir, work, { recursive: true });
    const r = spawnSync(process.execPath, [require.resolve('prebuild-install/bin.js'), '--runtime', 'electron', '--target', electronVersion, '--arch', process.arch],
      { cwd: work, stdio: 'inherit' });
    const built = join(work, 'build', 'Release', 'better_sqlite3.node');
    if (r.status !== 0 || !existsSync(built)) {
      console.error(`\nbetter-sqlite3 for Electron ${electronVersion} could not be downloaded.\n${fallback}`);
      process.exit(1);
    }
    mkdirSync(dirname(binding), { recursive: true });
    cpSync(built, binding);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

const electron = require('electron');
const child = spawn(electron, [join(root, 'dist/electron/main/index.js')], {
  stdio: 'inherit', env: { ...process.env, GAN_WORKBENCH_SQLITE_BINDING: binding },
});
child.on('exit', (code) => process.exit(code ?? 1));
