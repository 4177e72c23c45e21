/**
 * Polyak averaging: an exponential moving average of every variable of a network
 * (batch-norm statistics too), what evaluations read and the best snapshot keeps.
 */
import { tf, type Variable } from '../engine/tf.ts';
import type { Network } from '../models/network.ts';
import type { SavedTensor } from './job.ts';

export class WeightAverage {
  private readonly averaged: Variable[];

  constructor(private readonly net: Network, private readonly decay: number) {
    this.averaged = net.params.map((p) => {
      const start = p.variable.clone();
      const v = tf.variable(start, false);
      start.dispose();
      return v;
    });
  }

  /**
   * Folds the weights after step `iteration` into the average, with the decay warmed up
   * (min(d, (1 + n)/(10 + n)), as TensorFlow's ExponentialMovingAverage with num_updates) so
   * the initial weights are soon forgotten.
   */
  fold(iteration: number): void {
    const d = Math.min(this.decay, (1 + iteration) / (10 + iteration));
    tf.tidy(() => this.net.params.forEach((p, i) => this.averaged[i]!.assign(tf.add(tf.mul(this.averaged[i]!, d), tf.mul(p.variable, 1 - d)))));
  }

  /** Runs `f` with the averaged weights in the network, then puts training's own back. */
  async lend<T>(f: () => Promise<T>): Promise<T> {
    const own = this.net.params.map((p) => p.variable.clone());
    this.net.params.forEach((p, i) => p.variable.assign(this.averaged[i]!));
    try {
      return await f();
    } finally {
      this.net.params.forEach((p, i) => p.variable.assign(own[i]!));
      tf.dispose(own);
    }
  }

  /** The averaged weights as checkpoint tensors, keyed "avg/R/…". */
  tensors(): Record<string, SavedTensor> {
    return Object.fromEntries(this.net.params.map((p, i) => [`avg/R/${p.name}`, { shape: p.variable.shape, values: this.averaged[i]!.dataSync() as Float32Array }]));
  }

  /** Restores the average from checkpoint tensors keyed "R/…"; one missing (a checkpoint from before averaging) starts from the weights resumed. */
  load(saved: Record<string, SavedTensor>): void {
    this.net.params.forEach((p, i) => {
      const t = saved[`R/${p.name}`];
      tf.tidy(() => this.averaged[i]!.assign(t ? tf.tensor(t.values, t.shape) : p.variable.clone()));
    });
  }

  dispose(): void {
    tf.dispose(this.averaged);
  }
}
