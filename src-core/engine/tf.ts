/**
 * The one place the core imports TensorFlow.js from. `@tensorflow/tfjs` (not bare
 * tfjs-core) because its Node bundle registers every gradient, which higher-order
 * differentiation (WGAN-GP) needs; the backends register themselves on import.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

// Silence tfjs's console advice ("install tfjs-node"): the backend ladder reports instead.
tf.env().set('PROD', true);

export { tf };
export type Tensor = tf.Tensor;
export type Scalar = tf.Scalar;
export type Tensor1D = tf.Tensor1D;
export type Tensor2D = tf.Tensor2D;
export type Tensor4D = tf.Tensor4D;
export type Variable = tf.Variable;
