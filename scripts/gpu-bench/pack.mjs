/**
 * Packs the GPU benchmark for a machine with no Node or npm (the device tool's GPU
 * machines): one archive, .gpu-bench/bundle.tar.xz, holding this Node binary, the
 * bench bundled by esbuild (our code; packages left external), the node_modules files
 * the bench was seen to load (recorded while it runs once here) plus the data files
 * they read (tfjs's wasm binaries, Dawn for linux-x64), and the PyTorch CUDA script.
 * Then it unpacks the archive into an empty folder and runs it from there, so a pack
 * that would not run on a bare machine fails here. Usage: node scripts/gpu-bench/pack.mjs
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(new URL(import.meta.url).pathname), '..', '..');
const out = join(root, '.gpu-bench');
// Staged inside the repository so the recording run resolves packages from its node_modules.
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const stage = mkdtempSync(join(out, 'stage-'));
const app = join(stage, 'app');

await build({
  entryPoints: [join(root, 'src-core/bench/main.ts')], bundle: true, splitting: true, format: 'esm', platform: 'node',
  target: 'node20', packages: 'external', outdir: app, logLevel: 'warning',
});

// Run once from the repository (its node_modules resolve), recording what loads.
const record = join(stage, 'modules.json');
execFileSync(process.execPath, ['--import', join(root, 'scripts/gpu-bench/record-modules.mjs'), join(app, 'main.js'), 'gpu', '--batch', '4', '--iterations', '1', '--layer-checks', 'none', 'captcha-dcgan'], {
  cwd: root, stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, GWB_RECORD_MODULES: record },
});
const modules = join(root, 'node_modules');
const esm = readFileSync(`${record}.esm`, 'utf8').split('\n').filter(Boolean).map((u) => fileURLToPath(u));
const loaded = [...new Set([...JSON.parse(readFileSync(record, 'utf8')), ...esm])].filter((f) => f.startsWith(modules + sep));
const extra = [
  // Read with fs, not require: tfjs's wasm binaries, and Dawn (loaded by the ESM entry of `webgpu`).
  ...['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'].map((f) => join(modules, '@tensorflow/tfjs-backend-wasm/dist', f)),
  join(modules, 'webgpu/index.js'), join(modules, 'webgpu/dist/linux-x64/dawn.node'),
];
const packageJsons = new Set();
for (const file of [...loaded, ...extra]) {
  const rel = relative(modules, file);
  const parts = rel.split(sep);
  const pkg = parts[0].startsWith('@') ? parts.slice(0, 2).join(sep) : parts[0];
  packageJsons.add(join(pkg, 'package.json'));
  mkdirSync(dirname(join(app, 'node_modules', rel)), { recursive: true });
  copyFileSync(file, join(app, 'node_modules', rel));
}
for (const p of packageJsons) copyFileSync(join(modules, p), join(app, 'node_modules', p));
copyFileSync(process.execPath, join(stage, 'node'));
cpSync(join(root, 'scripts/gpu-bench/pytorch_cuda_dcgan.py'), join(stage, 'pytorch_cuda_dcgan.py'));
rmSync(record);
rmSync(`${record}.esm`);

const archive = join(out, 'bundle.tar.xz');
execFileSync('tar', ['-cJf', archive, '-C', stage, '.'], { env: { ...process.env, XZ_OPT: '-6 -T0' } });
// The staged tree would travel beside the archive: only the archive stays.
rmSync(stage, { recursive: true, force: true });

// The proof: unpacked alone, with no node_modules above it, it runs.
const trial = mkdtempSync(join(tmpdir(), 'gpu-bench-trial-'));
execFileSync('tar', ['-xJf', archive, '-C', trial]);
execFileSync(join(trial, 'node'), [join(trial, 'app/main.js'), 'gpu', '--batch', '4', '--iterations', '1', '--layer-checks', 'none', 'captcha-dcgan'], { cwd: trial, stdio: 'inherit' });
rmSync(trial, { recursive: true, force: true });
console.log(`packed ${archive}: ${(statSync(archive).size / 2 ** 20).toFixed(1)} MiB, ${loaded.length + extra.length} files from node_modules`);
if (!existsSync(archive)) process.exit(1);
