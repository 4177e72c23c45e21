/**
 * The WebGPU backend (Dawn in Node) on SwiftShader, Chromium's software Vulkan driver:
 * GAN training runs, matches the cpu backend, checkpoints (reads primed
 * asynchronously) and resumes exactly. Skipped with the reason where no adapter is
 * found; CI (GWB_E2E=1: Chromium and libvulkan1 installed) requires it.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import type { BackendName } from '../../src-core/engine/backend.ts';
import { readCheckpoint } from '../../src-core/training/checkpoint.ts';
import { tempDir } from '../helpers.ts';
import { resumeInProcess, trainInProcess } from '../run-helpers.ts';

const { adapter, webgpuMissing: missing } = await import('../support/webgpu.ts');
const { describeAdapter } = await import('../../src-core/engine/webgpu.ts');

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SMALL = { steps: '8', batchSize: '8', 'data.count': '32', sampleEvery: '0', checkpointEvery: '1000', progressEvery: '1' };

function weights(file: string): Map<string, Float32Array> {
  return new Map(Object.entries(readCheckpoint(file).state.tensors).map(([k, v]) => [k, v.values]));
}
function maxDifference(a: Map<string, Float32Array>, b: Map<string, Float32Array>): number {
  let worst = 0;
  for (const [k, v] of a) v.forEach((x, i) => (worst = Math.max(worst, Math.abs(x - b.get(k)![i]!))));
  return worst;
}

describe('WebGPU (Dawn) on SwiftShader', { skip: missing ?? false, timeout: 300_000 }, () => {
  it('finds the adapter and records it with the run', async () => {
    assert.ok(!(adapter instanceof Error));
    const run = await trainInProcess(tempDir(), 'captcha-fc-wgan', SMALL, { backend: 'webgpu' as BackendName, steps: 1 });
    const started = run.events.find((e) => e.type === 'started');
    assert.ok(started?.type === 'started' && started.backend.name === 'webgpu', JSON.stringify(started));
    assert.equal(started.backend.detail, describeAdapter(adapter as Exclude<typeof adapter, Error>));
    assert.match(run.run.backend ?? '', /^webgpu 4\.22\.0 \(.*swiftshader/i);
  });

  it('trains a WGAN to the same weights as the cpu backend (within float tolerance), and resumes exactly', async () => {
    const home = tempDir();
    const cpu = await trainInProcess(home, 'captcha-fc-wgan', SMALL, { backend: 'cpu', steps: 4 });
    const gpu = await trainInProcess(home, 'captcha-fc-wgan', SMALL, { backend: 'webgpu' as BackendName, steps: 4 });
    const diff = maxDifference(weights(cpu.checkpoint), weights(gpu.checkpoint));
    assert.ok(diff < 1e-3, `webgpu and cpu weights differ by ${diff}`);
    // Losses read back in batches on the GPU, yet the live view gets every iteration's, in order.
    const steps = (r: typeof gpu) => r.events.flatMap((e) => (e.type === 'progress' ? [e.step] : []));
    assert.deepEqual(steps(gpu), [1, 2, 3, 4]);
    assert.deepEqual(steps(gpu), steps(cpu));
    // 2 + 2 resumed = 4 straight, on the same backend and machine.
    const split = await trainInProcess(home, 'captcha-fc-wgan', SMALL, { backend: 'webgpu' as BackendName, steps: 2 });
    await resumeInProcess(split, 2);
    assert.equal(maxDifference(weights(gpu.checkpoint), weights(split.checkpoint)), 0, 'bit-exact resume on webgpu');
  });

  it('falls through the ladder to wasm, with one line saying why, when Vulkan finds no driver', () => {
    // A fresh process: Dawn keeps the adapter it found for the life of a process.
    const script = "const { initBackend } = await import('./src-core/engine/backend.ts'); console.log(JSON.stringify(await initBackend('webgpu', 'training')));";
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: ROOT, encoding: 'utf8', timeout: 120_000,
      env: { ...process.env, VK_ICD_FILENAMES: '/nonexistent/vulkan_icd.json', GAN_WORKBENCH_WASM_THREADS: '1' },
    });
    assert.equal(r.status, 0, r.stderr);
    const info = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { name: string; warnings: string[] };
    assert.equal(info.name, 'wasm');
    assert.equal(info.warnings.length, 1, info.warnings.join('\n'));
    assert.match(info.warnings[0]!, /^backend webgpu unavailable \(no WebGPU adapter: .*\); falling back to wasm$/);
    assert.doesNotMatch(info.warnings[0]!, /\n/);
  });
});
