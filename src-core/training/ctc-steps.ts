/** One optimiser update of the segmentation-free recogniser under the CTC loss, on either kind of backend. */
import { tf, type Tensor } from '../engine/tf.ts';
import { applyStatUpdates } from '../models/layers.ts';
import { trainableVariables, type Network, type StatUpdate } from '../models/network.ts';
import { ctcBatch, ctcLoss } from './ctc.ts';
import type { Optimizer } from './optimizers.ts';

/** One update with the CTC loss under the tape (its host-side pass reads the scores synchronously). x: [B, 32, W, 1]. Returns the loss. */
export function ctcStep(net: Network, optimizer: Optimizer, x: Tensor, labels: Int32Array[]): number {
  const statUpdates: StatUpdate[] = [];
  const { value, grads } = tf.variableGrads(() => ctcLoss(net.apply(x, { training: true, statUpdates }) as tf.Tensor3D, labels), trainableVariables(net));
  optimizer.apply(grads);
  applyStatUpdates(statUpdates);
  const loss = value.dataSync()[0]!;
  tf.dispose([value, ...Object.values(grads)]);
  return loss;
}

/**
 * The same update where scores can only be read asynchronously (WebGPU): a forward pass
 * to read the scores, CTC and its gradient g on the host, then the network's gradient as
 * that of Σ scores·g (∂/∂θ of it is exactly the chain rule's Jᵀg) under a second forward
 * pass, with the same batch statistics. Costs one extra forward pass.
 */
export async function ctcStepReadingBack(net: Network, optimizer: Optimizer, x: Tensor, labels: Int32Array[]): Promise<number> {
  const scores = tf.tidy(() => net.apply(x, { training: true }));
  const shape = scores.shape as [number, number, number];
  const host = ctcBatch((await scores.data()) as Float32Array, shape, labels);
  scores.dispose();
  const g = tf.tensor3d(host.grads, shape);
  const statUpdates: StatUpdate[] = [];
  const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(net.apply(x, { training: true, statUpdates }), g)) as tf.Scalar, trainableVariables(net));
  optimizer.apply(grads);
  applyStatUpdates(statUpdates);
  tf.dispose([g, value, ...Object.values(grads)]);
  return host.loss;
}
