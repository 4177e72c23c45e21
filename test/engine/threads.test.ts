/**
 * The wasm backend on 1 and 2 threads (GAN_WORKBENCH_WASM_THREADS): each really
 * runs with that many threads, and training gives bit-identical numbers (every
 * kernel splits work by output tiles, never a reduction), so a run can resume on a
 * machine with another core count; and with the unfused GEMM (GAN_WORKBENCH_WASM_FMA=0).
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { join } from 'node:path';
import { tempDir } from '../helpers.ts';

const ROOT = new URL('../..', import.meta.url).pathname;

function train(threads: number, fma = true): { detail: string; losses: Record<string, number> } {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/gan-workbench.mjs'), 'train', '--preset', 'captcha-wdcgan-gp', '--steps', '2', '--batch', '8',
    '--backend', 'wasm', '--set', 'data.count=64', '--json', '--home', tempDir('gwb-threads-')], { // 64 captchas: synthesising the default 2,048 took half of each run
    encoding: 'utf8', env: { ...process.env, GAN_WORKBENCH_WASM_THREADS: String(threads), GAN_WORKBENCH_WASM_FMA: fma ? '1' : '0' }, timeout: 180_000,
  });
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type?: string; backend?: { detail: string }; losses?: Record<string, number> });
  const started = lines.find((l) => l.type === 'started')!;
  const summary = lines.at(-1)!;
  return { detail: started.backend!.detail, losses: summary.losses! };
}

describe('wasm threads', () => {
  // The fused 2-thread run is the reference of both tests: trained once.
  let fusedTwo: ReturnType<typeof train> | undefined;
  const twoThreads = () => (fusedTwo ??= train(2));
  it('trains WGAN-GP (second-order gradients) to identical numbers on 1 and 2 threads', () => {
    const one = train(1);
    const two = twoThreads();
    // Node 20 runs relaxed SIMD behind a flag the engine sets; every supported engine has it.
    assert.equal(one.detail, 'simd, 1 thread, fused multiply-add');
    assert.equal(two.detail, 'simd, 2 threads, fused multiply-add');
    assert.deepEqual(two.losses, one.losses);
  });
  it('without fused multiply-adds (GAN_WORKBENCH_WASM_FMA=0: the unfused GEMM) trains to the same numbers within rounding', () => {
    const fused = twoThreads();
    const unfused = train(2, false);
    assert.equal(unfused.detail, 'simd, 2 threads');
    for (const [name, value] of Object.entries(fused.losses)) {
      const other = unfused.losses[name]!;
      assert.ok(Number.isFinite(other) && Math.abs(other - value) <= 1e-3 * Math.max(1, Math.abs(value)), `${name}: ${other} vs ${value}`);
    }
  });
});
