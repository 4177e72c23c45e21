import { tf, type Tensor } from './tf.ts';

/** Batch norm's backward pass as one kernel (registered for wasm: two SIMD passes). */
export const BATCH_NORM_GRAD = 'GwbBatchNormGrad';

export interface BatchNormTraining {
  y: Tensor;
  /** The batch's per-channel statistics [C] (for the moving averages). */
  mean: Tensor;
  variance: Tensor;
}

/** The forward pass, exactly the ops the layer always ran: tf.moments, then FusedBatchNorm. */
function normalise(x: Tensor, gamma: Tensor, beta: Tensor, epsilon: number): BatchNormTraining {
  const axes = x.shape.map((_, i) => i).slice(0, -1);
  const { mean, variance } = tf.moments(x, axes);
  return { y: tf.batchNorm(x, mean, variance, beta, gamma, epsilon), mean, variance };
}

/** True while a backward pass is itself being recorded, to be differentiated again (tfjs's own test, engine.gradients). */
function backwardIsRecorded(): boolean {
  return (tf.engine() as unknown as { state: { gradientDepth: number } }).state.gradientDepth > 0;
}

/**
 * Batch norm with the batch's own statistics (training), over every axis but the
 * last. Forward: the same ops as before, so the same bits. Backward: the textbook
 * gradient through the statistics, with x̂ = (x − mean)·rstd, rstd = 1/√(var + ε):
 *   dβ = Σ dy,  dγ = Σ dy·x̂,  dx = γ·rstd/N · (N·dy − dβ − x̂·dγ)
 * as one kernel where the backend has it, else those ops — instead of the ≈ 25
 * kernels of tfjs's composite gradient (moments, then FusedBatchNorm's). When the
 * backward pass is itself recorded (a gradient penalty through a critic with batch
 * norm), it is the composite gradient, which differentiates again.
 */
export function batchNormTraining(x: Tensor, gamma: Tensor, beta: Tensor, epsilon: number): BatchNormTraining {
  let stats: { mean: Tensor; variance: Tensor } | null = null;
  const op = tf.customGrad(((xs: Tensor, g: Tensor, b: Tensor, save: tf.GradSaveFunc) => {
    const out = normalise(xs, g, b, epsilon);
    stats = { mean: out.mean, variance: out.variance };
    save([xs, g, b, out.mean, out.variance]);
    return {
      value: out.y,
      gradFunc: (dy: Tensor, saved: Tensor[]) => {
        const [sx, sg, sb, mean, variance] = saved as [Tensor, Tensor, Tensor, Tensor, Tensor];
        if (backwardIsRecorded()) return tf.grads((a: Tensor, c: Tensor, d: Tensor) => normalise(a, c, d, epsilon).y)([sx, sg, sb], dy);
        return batchNormGrad(dy, sx, mean, variance, sg, epsilon);
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  const y = op(x, gamma, beta);
  return { y, mean: stats!.mean, variance: stats!.variance };
}

/** [dx, dγ, dβ] of batch norm over every axis but the last (see batchNormTraining). */
export function batchNormGrad(dy: Tensor, x: Tensor, mean: Tensor, variance: Tensor, gamma: Tensor, epsilon: number): Tensor[] {
  const channels = x.shape.at(-1)!;
  if (channels % 4 === 0 && tf.getKernel(BATCH_NORM_GRAD, tf.getBackend())) {
    return tf.engine().runKernel(BATCH_NORM_GRAD, { dy, x, mean, variance, gamma }, { varianceEpsilon: epsilon }) as Tensor[];
  }
  const axes = x.shape.map((_, i) => i).slice(0, -1);
  const n = x.size / channels;
  const rstd = tf.rsqrt(tf.add(variance, epsilon));
  const centred = tf.sub(x, mean);
  const dbeta = tf.sum(dy, axes);
  const dgamma = tf.mul(tf.sum(tf.mul(dy, centred), axes), rstd);
  // dx = a·dy + s·(x − mean) + b per channel: a = γ·rstd, s = −a·rstd·dγ/N, b = −a·dβ/N.
  const a = tf.mul(gamma, rstd);
  const s = tf.div(tf.neg(tf.mul(tf.mul(a, rstd), dgamma)), n);
  const b = tf.div(tf.neg(tf.mul(a, dbeta)), n);
  const dx = tf.add(tf.add(tf.mul(a, dy), tf.mul(s, centred)), b);
  return [dx, dgamma, dbeta];
}
