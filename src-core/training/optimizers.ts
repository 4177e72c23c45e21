import type { OptimizerConfig } from '../presets/vocabulary.ts';
import { tf, type Tensor, type Variable } from '../engine/tf.ts';
import type { Param } from '../models/network.ts';
import { ADAM_UPDATE, RMSPROP_UPDATE } from '../engine/wasm-kernels/optimizer-updates.ts';

/** Whether the active backend has a one-pass kernel for this update (wasm does: bit-identical to the ops below). */
const hasFused = (kernel: string) => tf.getKernel(kernel, tf.getBackend()) !== undefined;

/**
 * TensorFlow 1.x's optimisers (the thesis's), written out so their whole state is
 * plain named tensors a checkpoint can store and restore exactly.
 */
export type { OptimizerConfig };

export interface OptimizerState {
  iterations: number;
  /** Slot values keyed "<param name>/<slot>". */
  slots: Record<string, { shape: number[]; values: Float32Array }>;
}

export interface Optimizer {
  readonly config: OptimizerConfig;
  /** The rate updates use: the config's until a schedule lowers it (a job's checkpoint carries it). */
  learningRate: number;
  /** One update from gradients keyed by variable name (as tf.variableGrads returns them). */
  apply(grads: Record<string, Tensor>): void;
  getState(): OptimizerState;
  setState(state: OptimizerState): void;
  dispose(): void;
}

interface Slot {
  param: Param;
  name: string;
  variable: Variable;
}

export function createOptimizer(config: OptimizerConfig, params: Param[]): Optimizer {
  const trainable = params.filter((p) => p.trainable);
  const slotNames = config.kind === 'adam' ? ['m', 'v'] : ['ms'];
  // TF1's RMSProp starts its mean square at 1 (ones_initializer), Adam's moments at 0.
  const slotInit = config.kind === 'adam' ? 0 : 1;
  const slots: Slot[] = trainable.flatMap((param) =>
    slotNames.map((name) => {
      const initial = tf.fill(param.variable.shape, slotInit);
      const variable = tf.variable(initial, false); // shares the data; the initial tensor itself is not kept
      initial.dispose();
      return { param, name, variable };
    }),
  );
  const slotOf = (param: Param, name: string) => slots.find((s) => s.param === param && s.name === name)!.variable;
  let iterations = 0;
  let learningRate = config.learningRate;

  function apply(grads: Record<string, Tensor>): void {
    iterations += 1;
    tf.tidy(() => {
      for (const param of trainable) {
        const g = grads[param.variable.name];
        if (!g) continue;
        const w = param.variable;
        if (config.kind === 'adam') {
          const { beta1, beta2, epsilon } = config;
          const m = slotOf(param, 'm');
          const v = slotOf(param, 'v');
          const lrT = (learningRate * Math.sqrt(1 - beta2 ** iterations)) / (1 - beta1 ** iterations);
          if (hasFused(ADAM_UPDATE)) {
            const [w2, m2, v2] = tf.engine().runKernel(ADAM_UPDATE, { w, g, m, v }, { lrT, beta1, beta2, epsilon }) as Tensor[];
            m.assign(m2!);
            v.assign(v2!);
            w.assign(w2!);
            continue;
          }
          m.assign(tf.add(tf.mul(m, beta1), tf.mul(g, 1 - beta1)));
          v.assign(tf.add(tf.mul(v, beta2), tf.mul(tf.square(g), 1 - beta2)));
          w.assign(tf.sub(w, tf.div(tf.mul(m, lrT), tf.add(tf.sqrt(v), epsilon))));
        } else {
          const { decay, epsilon } = config;
          const ms = slotOf(param, 'ms');
          if (hasFused(RMSPROP_UPDATE)) {
            const [w2, ms2] = tf.engine().runKernel(RMSPROP_UPDATE, { w, g, ms }, { learningRate, decay, epsilon }) as Tensor[];
            ms.assign(ms2!);
            w.assign(w2!);
            continue;
          }
          ms.assign(tf.add(tf.mul(ms, decay), tf.mul(tf.square(g), 1 - decay)));
          w.assign(tf.sub(w, tf.div(tf.mul(g, learningRate), tf.sqrt(tf.add(ms, epsilon)))));
        }
      }
    });
  }

  return {
    config,
    get learningRate() {
      return learningRate;
    },
    set learningRate(rate: number) {
      learningRate = rate;
    },
    apply,
    getState() {
      const out: OptimizerState['slots'] = {};
      for (const s of slots) {
        out[`${s.param.name}/${s.name}`] = { shape: s.variable.shape, values: s.variable.dataSync() as Float32Array };
      }
      return { iterations, slots: out };
    },
    setState(state) {
      for (const s of slots) {
        const saved = state.slots[`${s.param.name}/${s.name}`];
        if (!saved) throw new Error(`checkpoint lacks optimiser slot ${s.param.name}/${s.name}`);
        tf.tidy(() => s.variable.assign(tf.tensor(saved.values, saved.shape)));
      }
      iterations = state.iterations;
    },
    dispose() {
      for (const s of slots) s.variable.dispose();
    },
  };
}
