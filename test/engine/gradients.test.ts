/**
 * The gradients engine/gradients.ts registers in place of tfjs's own give the same
 * bits as tfjs's formulas: Sum and Mean broadcast dy without multiplying by a ones
 * tensor; LeakyReLU's is where(x > 0, dy, dy·alpha) (checked in simd-kernels.test.ts).
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { tf } from '../../src-core/engine/tf.ts';
import { seeded, useBackend } from '../helpers.ts';

const SHAPE = [3, 5, 7, 9];
const AXES: (number | number[])[] = [0, [0, 1, 2], [1, 3], -1, [2, 0]];

describe('Sum and Mean gradients', () => {
  for (const backend of ['wasm', 'cpu'] as const) {
    it(`equal tfjs's dy · ones(x) (and / count) bit for bit on ${backend}, for leading, inner, negative and unordered axes`, async () => {
      await useBackend(backend);
      const x = tf.tensor(seeded(SHAPE, 61), SHAPE);
      for (const axis of AXES) {
        for (const op of ['sum', 'mean'] as const) {
          const reduced = tf[op](x, axis);
          const dy = tf.tensor(seeded(reduced.shape, 62), reduced.shape);
          const ours = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf[op](v, axis), dy)))(x);
          const axes = tf.util.parseAxisParam(axis, SHAPE);
          const expanded = tf.reshape(dy, SHAPE.map((d, i) => (axes.includes(i) ? 1 : d)));
          const count = axes.reduce((n, a) => n * SHAPE[a]!, 1);
          const times = tf.mul(expanded, tf.ones(SHAPE));
          const theirs = op === 'mean' ? tf.div(times, count) : times;
          assert.deepEqual(Array.from(ours.dataSync()), Array.from(theirs.dataSync()), `${op} over ${JSON.stringify(axis)}`);
          tf.dispose([reduced, dy, ours, expanded, times, theirs]);
        }
      }
      x.dispose();
    });
  }
});
