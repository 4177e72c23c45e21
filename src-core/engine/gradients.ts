import { tf } from './tf.ts';
import { LEAKY_RELU_GRAD } from './wasm-kernels/elementwise.ts';

/**
 * Gradients tfjs lacks or gets wrong at second order (WGAN-GP differentiates a gradient).
 *
 * Comparison ops have zero gradient almost everywhere, but tfjs registers none for
 * some of them. They appear inside other ops' gradients (LeakyReLU's gradient uses
 * Greater), so differentiating a gradient (the WGAN-GP penalty) meets them.
 */
const PIECEWISE_CONSTANT = ['Greater', 'GreaterEqual', 'Less', 'LessEqual', 'Equal', 'NotEqual'] as const;

/**
 * tfjs differentiates Tanh, Sigmoid, Exp and Sqrt through their saved *outputs*,
 * and saves outputs off the tape, so a second derivative silently drops the path
 * through y (measured: dGP/dW off by up to 30% on a tanh critic). These gradients
 * recompute y from the saved input on the tape instead, so they differentiate again.
 */
const OUTPUT_BASED: { kernelName: string; grad: (x: tf.Tensor, dy: tf.Tensor) => tf.Tensor }[] = [
  { kernelName: 'Tanh', grad: (x, dy) => tf.mul(dy, tf.sub(1, tf.square(tf.tanh(x)))) },
  { kernelName: 'Sigmoid', grad: (x, dy) => { const y = tf.sigmoid(x); return tf.mul(dy, tf.mul(y, tf.sub(1, y))); } },
  { kernelName: 'Exp', grad: (x, dy) => tf.mul(dy, tf.exp(x)) },
  { kernelName: 'Sqrt', grad: (x, dy) => tf.div(dy, tf.mul(2, tf.sqrt(x))) },
];

/**
 * LeakyReLU's gradient, where(x > 0, dy, dy·alpha) — tfjs's own formula — as one
 * kernel where the backend has it (wasm: one SIMD pass instead of Greater, Multiply
 * and Select), else as those ops. Same bits either way (tested). It is linear in
 * dy, so its own gradient is itself applied to the incoming gradient (and zero for
 * x), which keeps WGAN-GP's second derivative on the fast kernel too.
 */
function leakyReluGrad(dy: tf.Tensor, x: tf.Tensor, alpha: number): tf.Tensor {
  if (tf.getKernel(LEAKY_RELU_GRAD, tf.getBackend())) {
    return tf.engine().runKernel(LEAKY_RELU_GRAD, { dy, x }, { alpha }) as tf.Tensor;
  }
  return tf.where(tf.greater(x, 0), dy, tf.mul(dy, alpha));
}

/**
 * Sum's and Mean's gradients broadcast dy back to x's shape. tfjs does it by
 * multiplying with ones(x.shape), built in JavaScript and copied to the backend
 * (batch norm's means over [64, 10, 10, 64]: 4 ms an iteration of filling ones);
 * broadcastTo gives the same values (dy · 1 = dy, and Mean divides the small dy
 * by the count before, not after: the same division of the same numbers).
 */
function broadcastGradient(kernelName: 'Sum' | 'Mean'): tf.GradConfig {
  return {
    kernelName,
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved as [tf.Tensor];
      const axes = tf.util.parseAxisParam((attrs as { axis: number | number[] }).axis, x.shape);
      const expanded = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
      const count = axes.reduce((n, a) => n * x.shape[a]!, 1);
      return {
        x: () => {
          const small = tf.reshape(dy as tf.Tensor, expanded);
          return tf.broadcastTo(kernelName === 'Mean' ? tf.div(small, count) : small, x.shape);
        },
      };
    },
  };
}

let registered = false;

export function registerMissingGradients(): void {
  if (registered) return;
  registered = true;
  for (const kernelName of PIECEWISE_CONSTANT) {
    if (tf.getGradient(kernelName)) continue;
    tf.registerGradient({
      kernelName,
      inputsToSave: ['a', 'b'],
      gradFunc: (_dy, saved) => {
        const [a, b] = saved as [tf.Tensor, tf.Tensor];
        return { a: () => tf.zerosLike(a), b: () => tf.zerosLike(b) };
      },
    });
  }
  tf.registerGradient(broadcastGradient('Sum'));
  tf.registerGradient(broadcastGradient('Mean'));
  tf.registerGradient({
    kernelName: 'LeakyRelu',
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved as [tf.Tensor];
      return { x: () => leakyReluGrad(dy as tf.Tensor, x, (attrs as { alpha: number }).alpha) };
    },
  });
  tf.registerGradient({
    kernelName: LEAKY_RELU_GRAD,
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved as [tf.Tensor];
      return { dy: () => leakyReluGrad(dy as tf.Tensor, x, (attrs as { alpha: number }).alpha), x: () => tf.zerosLike(x) };
    },
  });
  for (const { kernelName, grad } of OUTPUT_BASED) {
    tf.registerGradient({
      kernelName,
      inputsToSave: ['x'],
      gradFunc: (dy, saved) => {
        const [x] = saved as [tf.Tensor];
        return { x: () => grad(x, dy as tf.Tensor) };
      },
    });
  }
}
