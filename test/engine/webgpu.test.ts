/**
 * The WebGPU backend (Dawn in Node) on SwiftShader, Chromium's software Vulkan driver:
 * GAN training runs, matches the cpu backend, checkpoints (reads primed
 * asynchronously) and resumes exactly. Skipped with the reason where no adapter is
 * found; CI (GWB_E2E=1: Chromium and libvulkan1 installed) requires it.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { BackendName } from '../../src-core/engine/backend.ts';
import { readCheckpoint } from '../../src-core/training/checkpoint.ts';
import { tempDir } from '../helpers.ts';
import { resumeInProcess, trainInProcess } from '../run-helpers.ts';

const SWIFTSHADER = '/usr/lib/chromium/vk_swiftshader_icd.json';
process.env.VK_ICD_FILENAMES ??= SWIFTSHADER;
process.env.XDG_RUNTIME_DIR ??= tempDir('gwb-xdg-');
const { findWebgpuAdapter, describeAdapter } = await import('../../src-core/engine/webgpu.ts');
const adapter = await findWebgpuAdapter().then((a) => a, (err: Error) => err);
const missing = adapter instanceof Error
  ? `no WebGPU adapter (${adapter.message})${existsSync(SWIFTSHADER) ? '' : `; Chromium's SwiftShader (${SWIFTSHADER}) is not installed`}`
  : null;
if (missing && process.env.GWB_E2E === '1') throw new Error(`GWB_E2E=1 requires WebGPU on SwiftShader: ${missing} (apt-get install chromium libvulkan1)`);

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
    // 2 + 2 resumed = 4 straight, on the same backend and machine.
    const split = await trainInProcess(home, 'captcha-fc-wgan', SMALL, { backend: 'webgpu' as BackendName, steps: 2 });
    await resumeInProcess(split, 2);
    assert.equal(maxDifference(weights(gpu.checkpoint), weights(split.checkpoint)), 0, 'bit-exact resume on webgpu');
  });
});
