import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend, type BackendName } from '../src-core/engine/backend.ts';
import { tf, type Tensor } from '../src-core/engine/tf.ts';
import { primeReads } from '../src-core/engine/reads.ts';

// Seeded data and the relative error live with the layer checks `bench gpu` runs too.
export { relativeError, seeded } from '../src-core/bench/layer-checks.ts';

let initialised: Promise<void> | null = null;

/**
 * Initialises both backends once (wasm with the workbench's kernels), then selects
 * `name`. Concurrent first calls share one initialisation: two would start two
 * threaded wasm backends, and the second's worker threads keep the process alive.
 */
export async function useBackend(name: BackendName): Promise<void> {
  initialised ??= (async () => {
    await initBackend('cpu');
    await initBackend('wasm');
  })();
  await initialised;
  if (name === 'webgpu' && !tf.findBackend('webgpu')) {
    // Only the WebGPU tests ask for it (after test/support/webgpu.ts found an adapter).
    const info = await initBackend('webgpu', 'training');
    if (info.name !== 'webgpu') throw new Error(`webgpu unavailable: ${info.warnings.join('; ')}`);
  }
  if (!(await tf.setBackend(name))) throw new Error(`backend ${name} unavailable`);
}

/** Runs `f` on a backend and returns its result's values (the tensors are freed). */
export async function valuesOn(name: BackendName, f: () => Tensor | Tensor[]): Promise<Float32Array[]> {
  await useBackend(name);
  const out = tf.tidy(f);
  const list = Array.isArray(out) ? out : [out];
  await primeReads(list); // WebGPU in Node reads back only asynchronously
  const values = list.map((t) => t.dataSync() as Float32Array);
  tf.dispose(list);
  return values;
}

const tempDirs: string[] = [];
let removeOnExit = false;

/**
 * A temporary folder removed when the test file's process exits. Not node:test's `after()`: called in a `before`
 * hook, that binds to the hook and removed the folder as soon as the hook ended — the test's open store went on
 * reading its unlinked file while every new connection (a runner, a second handle) made a fresh, empty one.
 */
export function tempDir(prefix = 'gwb-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.push(dir);
  if (!removeOnExit) {
    removeOnExit = true;
    process.on('exit', () => {
      for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
    });
  }
  return dir;
}

/**
 * Puts the reference recogniser (and the synthesised captchas it was trained on) into
 * `home`'s cache, as the first evaluation in that home would have made them. Built once
 * per test session (GWB_TEST_SESSION, set by scripts/run-tests.mjs; one test file
 * builds while the others wait) and copied: each build is 800 training steps.
 */
export function withReferenceRecognizer(home: string): void {
  const session = process.env.GWB_TEST_SESSION ?? tempDir('gwb-reference-');
  const shared = join(session, 'reference-home');
  const done = join(session, 'reference-ready');
  const failed = join(session, 'reference-failed');
  try {
    mkdirSync(join(session, 'reference-lock'), { recursive: false });
    const r = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./support/build-reference.ts', import.meta.url)), shared], {
      encoding: 'utf8', timeout: 600_000,
    });
    if (r.status !== 0) {
      writeFileSync(failed, r.stderr);
      throw new Error(`building the reference recogniser failed:\n${r.stderr}`);
    }
    writeFileSync(done, '');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    // Another test file is building it: wait (synchronously; the build takes tens of seconds).
    const deadline = Date.now() + 600_000;
    while (!existsSync(done)) {
      if (existsSync(failed)) throw new Error(`building the reference recogniser failed:\n${readFileSync(failed, 'utf8')}`);
      if (Date.now() > deadline) throw new Error('timed out waiting for the reference recogniser');
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    }
  }
  cpSync(join(shared, 'cache'), join(home, 'cache'), { recursive: true });
}
