#!/usr/bin/env node
// Runs every test/**/*.test.ts with Node's test runner through tsx. (Node 20's
// --test does not expand globs itself.) Extra arguments filter files by substring.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { availableParallelism, tmpdir } from 'node:os';

const root = new URL('..', import.meta.url).pathname;
function collect(dir) {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) return name === 'e2e' && process.env.GWB_E2E === '0' ? [] : collect(full);
    return name.endsWith('.test.ts') ? [full] : [];
  });
}
const filters = process.argv.slice(2);
// The slowest files start first (seconds beside the others, 2026-12-07), so none of them is left running alone on
// one core at the end while the other idles; the rest follow in name order.
const SLOW_FIRST = [
  'metrics/reproduce-resume', 'fleet/fleet', 'engine/network-gradients', 'training/presets-train', 'metrics/quality',
  'cli/datasets', 'reliability/faults', 'e2e/workbench', 'engine/kernels', 'engine/webgpu.test', 'runner/resume', 'engine/threads.test',
];
const rank = (f) => {
  const i = SLOW_FIRST.findIndex((s) => relative(root, f).includes(s));
  return i < 0 ? SLOW_FIRST.length : i;
};
const files = collect(join(root, 'test'))
  .filter((f) => filters.length === 0 || filters.some((s) => relative(root, f).includes(s)))
  .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
if (files.length === 0) {
  console.error(`no test files match ${filters.join(' ')}`);
  process.exit(1);
}
// The full suite first checks types and the runtime-boundary lint rules (fast, and a failure there
// explains more than a failing test would) and builds the renderer once, before any file runs: the
// e2e host serves renderer/dist and the IPC test checks it exists, so a build inside a test file
// (vite empties the folder first) would race the others running beside it. These steps run side by
// side, as many as there are cores; each one's output is shown when it fails.
const steps = [
  ...(filters.length === 0 ? [
    ['typecheck', ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json', '--noEmit']],
    ['typecheck (electron)', ['node_modules/typescript/bin/tsc', '-p', 'electron/tsconfig.json', '--noEmit']],
    ['typecheck (renderer)', ['node_modules/svelte-check/bin/svelte-check', '--tsconfig', 'renderer/tsconfig.json', '--fail-on-warnings', '--output', 'human']],
    ['lint', ['node_modules/eslint/bin/eslint.js', '.']],
  ] : []),
  ['the renderer build', ['node_modules/vite/bin/vite.js', 'build', 'renderer', '--logLevel', 'error']],
  // The CLI and the runner, task and probe processes the tests start run from it: ≈ 0.4–0.8 CPU-s less each
  // than through tsx, over ≈ 160 processes (src-core/util/core-bundle.mjs).
  ['the core bundle', ['scripts/build-core.mjs', '--quiet']],
];
const failures = await runSideBySide(steps, availableParallelism());
if (failures.length > 0) {
  for (const f of failures) console.error(`${f.output}\n${f.name} failed`);
  process.exit(failures[0].code || 1);
}

/** Runs [name, node arguments] steps, `width` at a time; resolves with the failed ones and their output. */
async function runSideBySide(list, width) {
  const queue = [...list];
  const failed = [];
  const lane = async () => {
    for (let step = queue.shift(); step; step = queue.shift()) {
      const [name, args] = step;
      const r = await new Promise((resolve) => {
        const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
        let output = '';
        child.stdout.on('data', (d) => (output += d));
        child.stderr.on('data', (d) => (output += d));
        child.on('close', (code) => resolve({ code: code ?? 1, output }));
      });
      if (r.code !== 0) failed.push({ name, ...r });
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, width) }, lane));
  return failed;
}
// Test files in parallel: one more than the cores, since every file also spends time single-threaded
// (process start-up, transpiling, sharp, SQLite, waiting on its children): on 2 cores the whole suite
// took 9 min 37 s with 3 at once against ≈ 10 min with 2 (2026-12-02). GWB_TEST_CONCURRENCY overrides.
const concurrency = Number(process.env.GWB_TEST_CONCURRENCY) || availableParallelism() + 1;
// Shared by the test files of this session only (test/helpers.ts: withReferenceRecognizer).
const session = mkdtempSync(join(tmpdir(), 'gwb-test-session-'));
// One wasm thread per process unless the caller says otherwise: the files already run side by side
// (and spawn runners), and each wasm backend's pool spin-waits for work, so 2 threads per process on
// 2 cores burnt CPU: the whole suite took 11 min 13 s (19.5 CPU-min) against 7 min 43 s (12.8) with 1
// (2026-12-03). threads.test.ts sets its own counts to test 1 against 2.
const wasmThreads = process.env.GAN_WORKBENCH_WASM_THREADS ?? '1';
const result = spawnSync(process.execPath, [
  // Renderer state classes (*.svelte.ts) are compiled by Svelte on import, as Vite would.
  '--import', 'tsx', '--import', './test/support/svelte-register.mjs', '--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...files,
], { stdio: 'inherit', cwd: root, env: { ...process.env, GWB_TEST_SESSION: session, GWB_RENDERER_BUILT: '1', GAN_WORKBENCH_WASM_THREADS: wasmThreads } });
rmSync(session, { recursive: true, force: true });
process.exit(result.status ?? 1);
