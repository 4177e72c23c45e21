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
import { relativeError, seeded, tempDir, useBackend, valuesOn } from '../helpers.ts';
import { replacedKernels } from '../../src-core/engine/kernel-util.ts';
import { picksSplitK, productShape } from '../../src-core/engine/webgpu-kernels.ts';
import { tf } from '../../src-core/engine/tf.ts';
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

describe('which products tfjs-webgpu would split along the shared axis', () => {
  it('the dense layers\' input gradients at ≥ 2,000 units into ≤ 128 inputs, and nothing with more output tiles', () => {
    const dx = (batch: number, units: number, inputs: number) => productShape([batch, units], [inputs, units], false, true);
    assert.equal(picksSplitK(dx(4, 4096, 128), 8), true); // face64 G fc: dy · Wᵀ
    assert.equal(picksSplitK(dx(64, 16384, 128), 8), true); // face128 G fc at the thesis's batch
    assert.equal(picksSplitK(dx(4, 1024, 128), 8), false); // shared axis < 2,000
    assert.equal(picksSplitK(dx(4, 3200, 1024), 8), false); // 32 output tiles
    assert.equal(picksSplitK(productShape([2, 4, 4096], [2, 128, 4096], false, true), 8), false); // batched
    assert.equal(picksSplitK(productShape([4, 8], [8, 4], false, false), 8), false); // ≤ 128 outputs: the reduce program
  });
});

/** dy [4 × 4,096] · Wᵀ, W [128 × 4,096]: the face64 generator's input gradient. */
function faceGeneratorInputGradient(product: (dy: tf.Tensor2D, w: tf.Tensor2D) => tf.Tensor) {
  return () => product(tf.tensor2d(seeded([4, 4096], 9), [4, 4096]), tf.tensor2d(seeded([128, 4096], 8), [128, 4096]));
}

describe('WebGPU (Dawn) on SwiftShader', { skip: missing ?? false, timeout: 300_000 }, () => {
  it('computes the products tfjs-webgpu would split (and get wrong) like the cpu backend, plain and fused', async () => {
    const products: [string, (dy: tf.Tensor2D, w: tf.Tensor2D) => tf.Tensor][] = [
      ['matMul', (dy, w) => tf.matMul(dy, w, false, true)],
      ['fused matMul + bias + relu', (dy, w) => tf.fused.matMul({ a: dy, b: w, transposeB: true, bias: tf.linspace(-1, 1, 128), activation: 'relu' })],
    ];
    for (const [name, product] of products) {
      const [reference] = await valuesOn('cpu', faceGeneratorInputGradient(product));
      const [candidate] = await valuesOn('webgpu', faceGeneratorInputGradient(product));
      const err = relativeError(reference!, candidate!);
      assert.ok(err <= 1e-4, `${name}: relative error ${err.toExponential(2)}`);
    }
    // The backend's own kernel still splits this product and gets it wrong; if tfjs fixes
    // it, this fails: keep the override for its fixed summation order (determinism).
    await useBackend('webgpu');
    const own = replacedKernels.get('webgpu/BatchMatMul')!;
    const wrong = tf.tidy(() => {
      const [dy, w] = [tf.tensor2d(seeded([4, 4096], 9), [4, 4096]), tf.tensor2d(seeded([128, 4096], 8), [128, 4096])];
      const info = own.kernelFunc({ inputs: { a: dy, b: w }, attrs: { transposeA: false, transposeB: true }, backend: tf.backend() }) as tf.TensorInfo;
      return tf.engine().makeTensorFromTensorInfo(info);
    });
    const ownValues = (await wrong.data()) as Float32Array;
    wrong.dispose();
    const [reference] = await valuesOn('cpu', faceGeneratorInputGradient((dy, w) => tf.matMul(dy, w, false, true)));
    assert.ok(relativeError(reference!, ownValues) > 0.1, 'tfjs-webgpu\'s split-K product is right now: see src-core/engine/webgpu-kernels.ts');
  });

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
