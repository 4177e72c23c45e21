import { tf } from './tf.ts';

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
