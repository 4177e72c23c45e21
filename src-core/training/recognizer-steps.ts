import { tf, type Tensor, type Tensor2D } from '../engine/tf.ts';
import type { Network } from '../models/network.ts';
import { trainableVariables } from '../models/network.ts';
import type { Optimizer } from './optimizers.ts';

/**
 * One recogniser update on tiles [B, 20, 20, 1] with one-hot labels [B, classes]:
 * softmax cross-entropy on logits (SPEC §2's note), one optimiser step.
 * Returns the batch's loss and accuracy.
 */
export async function recognizerStep(net: Network, optimizer: Optimizer, x: Tensor, oneHot: Tensor2D) {
  const [loss, acc] = tf.tidy(() => {
    let logits: Tensor | null = null;
    const { value, grads } = tf.variableGrads(() => {
      logits = tf.keep(net.apply(x, { training: true }));
      return tf.losses.softmaxCrossEntropy(oneHot, logits) as tf.Scalar;
    }, trainableVariables(net));
    optimizer.apply(grads);
    const accuracy = tf.mean(tf.cast(tf.equal(tf.argMax(logits!, 1), tf.argMax(oneHot, 1)), 'float32'));
    (logits as Tensor | null)?.dispose();
    return [value, accuracy];
  });
  const out = { loss: (await loss!.data())[0]!, accuracy: (await acc!.data())[0]! };
  loss!.dispose();
  acc!.dispose();
  return out;
}

/** Class probabilities [N, classes] for tiles [N, 20, 20, 1], in batches to bound memory. */
export function predictProbabilities(net: Network, x: Tensor, batch = 256): Tensor2D {
  return tf.tidy(() => {
    const n = x.shape[0]!;
    const parts: Tensor[] = [];
    for (let i = 0; i < n; i += batch) {
      const size = Math.min(batch, n - i);
      parts.push(tf.softmax(net.apply(tf.slice(x, i, size), { training: false })));
    }
    return tf.concat(parts, 0) as Tensor2D;
  });
}
