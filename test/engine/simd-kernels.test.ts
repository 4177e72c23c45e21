/**
 * The SIMD optimiser updates (src-core/engine/wasm-kernels/simd): the committed
 * binaries are what the .wat assembles to, and on wasm the one-pass updates give
 * the same bits as TF1's Adam / RMSProp written with tf ops (the other backends'
 * path), on shapes that are not a multiple of the SIMD width.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { assemble, render } from '../../scripts/build-simd-kernels.mjs';
import { tf } from '../../src-core/engine/tf.ts';
import { ADAM_UPDATE, RMSPROP_UPDATE } from '../../src-core/engine/wasm-kernels/optimizer-updates.ts';
import { createOptimizer, type OptimizerConfig } from '../../src-core/training/optimizers.ts';
import { seeded, useBackend } from '../helpers.ts';

const CONFIGS: OptimizerConfig[] = [
  { kind: 'adam', learningRate: 2e-4, beta1: 0.5, beta2: 0.999, epsilon: 1e-8 },
  { kind: 'adam', learningRate: 1e-4, beta1: 0, beta2: 0.9, epsilon: 1e-8 },
  { kind: 'rmsprop', learningRate: 2e-4, decay: 0.9, epsilon: 1e-10 },
];

let serial = 0;
/** Five updates of a [37, 29] variable (1,073 floats: not a multiple of 4) from seeded gradients. */
function train(config: OptimizerConfig): Float32Array {
  const name = `simd-test-${serial++}`;
  const initial = tf.tensor2d(seeded([37, 29], 1), [37, 29]);
  const w = tf.variable(initial, true, name);
  initial.dispose();
  const opt = createOptimizer(config, [{ name, kind: 'dense-kernel', trainable: true, variable: w } as never]);
  for (let step = 0; step < 5; step++) {
    const g = tf.tensor2d(seeded([37, 29], 10 + step), [37, 29]);
    opt.apply({ [name]: g });
    g.dispose();
  }
  const values = w.dataSync() as Float32Array;
  opt.dispose();
  w.dispose();
  return values;
}

describe('SIMD optimiser updates', () => {
  it('the committed binaries are the assembled .wat', async () => {
    const committed = readFileSync(new URL('../../src-core/engine/wasm-kernels/simd/optimizer-updates.wasm.ts', import.meta.url), 'utf8');
    assert.equal(committed, render('optimizer-updates', await assemble('optimizer-updates')), 'run node scripts/build-simd-kernels.mjs');
  });

  it('give the same bits as the tf-op updates, and leak nothing', async () => {
    await useBackend('wasm');
    for (const config of CONFIGS) {
      const before = tf.memory().numTensors;
      const fused = train(config);
      assert.equal(tf.memory().numTensors, before, `${config.kind}: tensors leaked`);
      const saved = [ADAM_UPDATE, RMSPROP_UPDATE].map((k) => tf.getKernel(k, 'wasm')!);
      for (const k of saved) tf.unregisterKernel(k.kernelName, 'wasm');
      try {
        const ops = train(config);
        assert.deepEqual(Array.from(fused), Array.from(ops), `${config.kind} β1=${'beta1' in config ? config.beta1 : '-'}`);
      } finally {
        for (const k of saved) tf.registerKernel(k);
      }
    }
  });
});
