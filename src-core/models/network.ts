import type { Tensor, Tensor2D, Variable } from '../engine/tf.ts';

/**
 * What a parameter is, so policies can select by role: the thesis's selective
 * clipping touches only dense weights (D) and dense + deconv weights (G).
 */
export type ParamKind =
  | 'dense-kernel' | 'dense-bias'
  | 'conv-kernel' | 'conv-bias'
  | 'deconv-kernel' | 'deconv-bias'
  | 'bn-gamma' | 'bn-beta' | 'bn-moving-mean' | 'bn-moving-variance';

export interface Param {
  /** Stable within the network, e.g. "fc1/kernel"; checkpoints are keyed by it. */
  name: string;
  kind: ParamKind;
  trainable: boolean;
  variable: Variable;
}

/**
 * A batch statistic observed while training, folded into its moving average
 * (target ← m·target + (1 − m)·observed) after the gradient step.
 */
export interface StatUpdate {
  target: Variable;
  observed: Tensor;
  momentum: number;
}

export interface ApplyContext {
  training: boolean;
  /** One-hot class labels [B, classes] for label-conditioned networks. */
  labels?: Tensor2D;
  /** When set (training), batch norm layers push their moving-statistics updates here. */
  statUpdates?: StatUpdate[];
}

export type Layer = (x: Tensor, ctx: ApplyContext) => Tensor;

export interface Network {
  name: string;
  /** Per-example input shape (no batch axis). */
  inputShape: number[];
  /** Per-example output shape (no batch axis). */
  outputShape: number[];
  /** Number of label classes concatenated inside the network (0 when unconditioned). */
  labelClasses: number;
  params: Param[];
  apply(x: Tensor, ctx: ApplyContext): Tensor;
}

export function trainableVariables(net: Network): Variable[] {
  return net.params.filter((p) => p.trainable).map((p) => p.variable);
}

export function countParams(net: Network, trainableOnly = true): number {
  return net.params.filter((p) => p.trainable || !trainableOnly).reduce((n, p) => n + p.variable.size, 0);
}

export function disposeNetwork(net: Network): void {
  for (const p of net.params) p.variable.dispose();
}
