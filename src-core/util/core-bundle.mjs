// Where the project lives and which of the core's entry points run from a prebuilt bundle. Plain JavaScript (typed
// by core-bundle.d.mts) because bin/gan-workbench.mjs and scripts/build-core.mjs read it before tsx is registered.
//
// A process started from TypeScript pays tsx's loader on every module it imports: ≈ 0.8 CPU-s more for a runner
// (1.6 s against 0.8 s bundled) and ≈ 0.4 s for a light CLI command (2026-12-07). `npm install`, `npm run build` and
// `npm test` bundle the entry points into dist/core/ (scripts/build-core.mjs); a bundle older than any file under
// src-core/ is never used, so an edited source always runs as written.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folder holding the project's package.json, found upwards from this file (a source file or a bundle chunk). */
export const PROJECT_ROOT = (() => {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).name === 'gan-workbench') return dir;
    if (dirname(dir) === dir) throw new Error(`no gan-workbench package.json above ${fileURLToPath(import.meta.url)}`);
  }
})();

/** A path inside the project. */
export function projectPath(...parts) {
  return join(PROJECT_ROOT, ...parts);
}

/** The core's entry points: each bundles to dist/core/<name>.mjs from src-core/<source>. */
export const CORE_ENTRIES = {
  cli: 'cli/main.ts',
  runner: 'runner/worker.ts',
  task: 'runner/task-worker.ts',
  probe: 'runner/probe-worker.ts',
};

export const BUNDLE_DIR = projectPath('dist', 'core');
const SOURCE_DIR = projectPath('src-core');

/** Whether a build stamped `stamp` is newer than every file under `sourceDir` (≈ 300 stats, a few ms: checked at every start). */
export function builtAfterSources(stamp, sourceDir) {
  if (!existsSync(stamp)) return false;
  const built = statSync(stamp).mtimeMs;
  return readdirSync(sourceDir, { recursive: true, withFileTypes: true })
    .every((e) => !e.isFile() || statSync(join(e.parentPath ?? e.path, e.name)).mtimeMs <= built);
}

/** The file that runs an entry point: its bundle when fresh (and GWB_NO_BUNDLE is unset), else its TypeScript source. */
export function coreEntry(name) {
  const bundled = join(BUNDLE_DIR, `${name}.mjs`);
  const fresh = !process.env.GWB_NO_BUNDLE && existsSync(bundled) && builtAfterSources(join(BUNDLE_DIR, 'built'), SOURCE_DIR);
  return fresh ? { file: bundled, typescript: false } : { file: join(SOURCE_DIR, CORE_ENTRIES[name]), typescript: true };
}
