// Module hooks for tests: compiles renderer state classes (*.svelte.ts) the way
// Vite does — TypeScript stripped by esbuild, runes compiled by Svelte — so the
// classes the UI uses are tested as they are, not re-implemented.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { transform } from 'esbuild';
import { compileModule } from 'svelte/compiler';

export async function load(url, context, nextLoad) {
  if (!url.endsWith('.svelte.ts')) return nextLoad(url, context);
  const path = fileURLToPath(url);
  const ts = await readFile(path, 'utf8');
  const js = (await transform(ts, { loader: 'ts', format: 'esm', target: 'es2022', sourcefile: path })).code;
  const { code } = compileModule(js, { filename: path, generate: 'client', dev: false }).js;
  return { format: 'module', source: code, shortCircuit: true };
}
