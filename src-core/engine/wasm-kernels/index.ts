import { tf } from '../tf.ts';
import { overrideKernel } from '../kernel-util.ts';
import { conv2dBackpropFilterConfig } from './conv2d-backprop-filter.ts';
import { conv2dBackpropInputConfig } from './conv2d-backprop-input.ts';
import { batchMatMulConfig } from './batch-matmul.ts';
import { conv2dConfig } from './conv2d.ts';
import { tileConfig } from './tile.ts';
import { castConfig, identityConfig } from './identity.ts';
import { optimizerUpdateConfigs } from './optimizer-updates.ts';
import { transposeConfig } from './layout.ts';
import { elementwiseConfigs } from './elementwise.ts';
import { batchNormGradConfig } from './batch-norm-grad.ts';
import { maxPoolGradConfig } from './max-pool-grad.ts';

let registered = false;

/**
 * Registers the kernels the wasm backend needs to train the thesis's networks
 * (and to train them fast). Idempotent; models and training code do not change.
 */
export function registerWasmTrainingKernels(): void {
  if (registered) return;
  registered = true;
  overrideKernel(conv2dBackpropFilterConfig);
  overrideKernel(conv2dBackpropInputConfig);
  const conv = tf.getKernel('Conv2D', 'wasm');
  if (conv) overrideKernel(conv2dConfig(conv));
  const matmul = tf.getKernel('BatchMatMul', 'wasm');
  if (matmul) overrideKernel(batchMatMulConfig(matmul));
  const tile = tf.getKernel('Tile', 'wasm');
  if (tile) overrideKernel(tileConfig(tile));
  const identity = tf.getKernel('Identity', 'wasm');
  if (identity) overrideKernel(identityConfig(identity));
  const cast = tf.getKernel('Cast', 'wasm');
  if (cast) overrideKernel(castConfig(cast));
  const transpose = tf.getKernel('Transpose', 'wasm');
  if (transpose) overrideKernel(transposeConfig(transpose));
  for (const config of elementwiseConfigs((name) => tf.getKernel(name, 'wasm'))) overrideKernel(config);
  overrideKernel(batchNormGradConfig);
  const maxPoolGrad = tf.getKernel('MaxPoolGrad', 'wasm');
  if (maxPoolGrad) overrideKernel(maxPoolGradConfig(maxPoolGrad));
  for (const config of optimizerUpdateConfigs) overrideKernel(config);
}
