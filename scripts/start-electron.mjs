#!/usr/bin/env node
// Launches the desktop app. Electron's binary is downloaded on first start (its
// install script is not run at `npm install`, so the install works offline); where
// it cannot be downloaded, say so plainly and point at what works without it.
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const root = new URL('..', import.meta.url).pathname;
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
    console.error(
      '\nThe Electron binary could not be downloaded (no network access to its release server?).\n' +
        'Everything else works without it: `npx gan-workbench --help` for the CLI.',
    );
    process.exit(1);
  }
}
const electron = require('electron');
const child = spawn(electron, [join(root, 'dist/electron/main/index.js')], { stdio: 'inherit' });
child.on('exit', (code) => process.exit(code ?? 1));
