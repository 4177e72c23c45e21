#!/usr/bin/env node
// Bundles the core's entry points (src-core/util/core-bundle.mjs: the CLI and the runner, task and probe workers)
// into dist/core/ with esbuild, packages external, chunks shared; then stamps the build, since a bundle is used only
// while no source under src-core/ is newer than its stamp. Types are checked by `npm run typecheck`, not here.
import { build } from 'esbuild';
import { rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUNDLE_DIR, CORE_ENTRIES, PROJECT_ROOT } from '../src-core/util/core-bundle.mjs';

// --out DIR writes elsewhere (a test's build; it must lie inside the project, where the bundle finds package.json).
const outAt = process.argv.indexOf('--out');
const outdir = outAt > 0 ? process.argv[outAt + 1] : BUNDLE_DIR;
const startedAt = new Date();
rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: Object.fromEntries(Object.entries(CORE_ENTRIES).map(([name, source]) => [name, join('src-core', source)])),
  absWorkingDir: PROJECT_ROOT, outdir, outExtension: { '.js': '.mjs' },
  bundle: true, splitting: true, format: 'esm', platform: 'node', target: 'node20', packages: 'external',
  sourcemap: 'linked', logLevel: 'warning',
});
// The stamp carries the time the build began: a source saved while esbuild ran is newer, so that bundle is not used.
writeFileSync(join(outdir, 'built'), `${startedAt.toISOString()}\n`);
utimesSync(join(outdir, 'built'), startedAt, startedAt);
if (!process.argv.includes('--quiet')) console.log(`built ${Object.keys(CORE_ENTRIES).map((n) => join(outdir, `${n}.mjs`)).join(', ')}`);
