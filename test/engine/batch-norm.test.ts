/**
 * Batch norm in training (engine/batch-norm.ts): the forward pass is unchanged, and
 * the gradient — the fused wasm kernel, its tf-op form on other backends, and the
 * composite one used under a second derivative — equals tfjs's own composite
 * gradient of moments + batchNorm.
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { tf, type Tensor } from '../../src-core/engine/tf.ts';
import { batchNormTraining } from '../../src-core/engine/batch-norm.ts';
import { relativeError, seeded, valuesOn } from '../helpers.ts';

const EPS = 1e-5;
const SHAPES = [[16, 1024], [8, 5, 5, 64], [6, 3, 3, 12], [7, 9], [4, 2, 2, 6]]; // the last two: channels not a multiple of 4

/** tfjs's composite training batch norm, as the layer ran it before. */
function composite(x: Tensor, g: Tensor, b: Tensor): Tensor {
  const { mean, variance } = tf.moments(x, x.shape.map((_, i) => i).slice(0, -1));
  return tf.batchNorm(x, mean, variance, b, g, EPS);
}

function inputs(shape: number[]) {
  const c = shape.at(-1)!;
  return {
    x: tf.tensor(seeded(shape, 71), shape).mul(3).add(1),
    g: tf.tensor1d(seeded([c], 72)).add(1),
    b: tf.tensor1d(seeded([c], 73)),
    dy: tf.tensor(seeded(shape, 74), shape),
  };
}

describe('training batch norm', () => {
  for (const backend of ['wasm', 'cpu'] as const) {
    it(`on ${backend}: same forward bits as moments + batchNorm, and the composite gradient within 1e-4`, async () => {
      for (const shape of SHAPES) {
        const run = (f: (a: Tensor, c: Tensor, d: Tensor) => Tensor) => valuesOn(backend, () => {
          const { x, g, b, dy } = inputs(shape);
          const y = f(x, g, b);
          const grads = tf.grads((a: Tensor, c: Tensor, d: Tensor) => tf.sum(tf.mul(f(a, c, d), dy)))([x, g, b]);
          return [y, ...grads];
        });
        const ours = await run((a, c, d) => batchNormTraining(a, c, d, EPS).y);
        const theirs = await run(composite);
        assert.deepEqual(Array.from(ours[0]!), Array.from(theirs[0]!), `${shape}: forward`);
        for (let i = 1; i < 4; i++) {
          const err = relativeError(theirs[i]!, ours[i]!);
          assert.ok(err <= 1e-4, `${shape}: gradient ${['dx', 'dgamma', 'dbeta'][i - 1]} off by ${err.toExponential(2)}`);
        }
      }
    });
  }

  it('a second derivative through batch norm (a gradient penalty) equals the composite one on wasm', async () => {
    const shape = [8, 64];
    const run = (f: (a: Tensor, c: Tensor, d: Tensor) => Tensor) => valuesOn('wasm', () => {
      const { x, g, b, dy } = inputs(shape);
      // d/dγ of ‖∂/∂x Σ f(x)·dy‖²: the penalty's shape of computation.
      return tf.grads((c: Tensor) => tf.sum(tf.square(tf.grad((a: Tensor) => tf.sum(tf.mul(f(a, c, b), dy)))(x))))([g]);
    });
    const ours = await run((a, c, d) => batchNormTraining(a, c, d, EPS).y);
    const theirs = await run(composite);
    const err = relativeError(theirs[0]!, ours[0]!);
    assert.ok(err <= 1e-4, `second derivative off by ${err.toExponential(2)}`);
  });
});
