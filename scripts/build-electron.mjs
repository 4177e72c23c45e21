#!/usr/bin/env node
// Bundles the Electron shell with esbuild (types are checked by `npm run typecheck`):
// the main process as ESM (packages stay external; the core is loaded at run time
// through tsx, as the CLI loads it) and the preload as one CommonJS file, since a
// sandboxed preload cannot require other files.
import { build } from 'esbuild';

const root = new URL('..', import.meta.url).pathname;
const common = { bundle: true, platform: 'node', target: 'node20', packages: 'external', logLevel: 'warning', absWorkingDir: root };
await build({ ...common, entryPoints: ['electron/main/index.ts'], outfile: 'dist/electron/main/index.js', format: 'esm' });
await build({ ...common, entryPoints: ['electron/preload/index.ts'], outfile: 'dist/electron/preload/index.cjs', format: 'cjs' });
console.log('built dist/electron/main/index.js and dist/electron/preload/index.cjs');
