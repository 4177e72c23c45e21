/**
 * The wasm backend on 1 and 2 threads (GAN_WORKBENCH_WASM_THREADS): each really
 * runs with that many threads, and training gives bit-identical numbers (XNNPACK
 * splits work by output tiles, never a reduction), so a run can resume on a
 * machine with another core count.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { join } from 'node:path';
import { tempDir } from '../helpers.ts';

const ROOT = new URL('../..', import.meta.url).pathname;

function train(threads: number): { detail: string; losses: Record<string, number> } {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/gan-workbench.mjs'), 'train', '--preset', 'captcha-wdcgan-gp', '--steps', '2', '--batch', '8',
    '--backend', 'wasm', '--json', '--home', tempDir('gwb-threads-')], {
    encoding: 'utf8', env: { ...process.env, GAN_WORKBENCH_WASM_THREADS: String(threads) }, timeout: 180_000,
  });
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type?: string; backend?: { detail: string }; losses?: Record<string, number> });
  const started = lines.find((l) => l.type === 'started')!;
  const summary = lines.at(-1)!;
  return { detail: started.backend!.detail, losses: summary.losses! };
}

describe('wasm threads', () => {
  it('trains WGAN-GP (second-order gradients) to identical numbers on 1 and 2 threads', () => {
    const one = train(1);
    const two = train(2);
    assert.equal(one.detail, 'simd, 1 thread');
    assert.equal(two.detail, 'simd, 2 threads');
    assert.deepEqual(two.losses, one.losses);
  });
});
