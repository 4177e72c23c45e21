/**
 * Connectionist temporal classification (Graves et al., 2006) for the
 * segmentation-free recogniser: the loss of a label sequence given per-column class
 * scores, summed over every alignment, in log space (forward–backward), with its
 * exact gradient; and greedy and prefix-beam decoding. tfjs has no CTC: the op below
 * computes both passes on the host (they are O(T·L) per sequence, tiny beside the
 * network) and hands the gradient to autodiff through tf.customGrad.
 *
 * Conventions: scores [T, K] per sequence, class K − 1 is the blank; a label is a list
 * of classes < K − 1 (any length, repeats allowed).
 */
import { tf, type Tensor } from '../engine/tf.ts';

const NEG_INF = -Infinity;

function logAdd(a: number, b: number): number {
  if (a === NEG_INF) return b;
  if (b === NEG_INF) return a;
  return a > b ? a + Math.log1p(Math.exp(b - a)) : b + Math.log1p(Math.exp(a - b));
}

/** log-softmax of each row of [T, K] scores. */
export function logSoftmaxRows(scores: Float32Array | Float64Array, T: number, K: number): Float64Array {
  const out = new Float64Array(T * K);
  for (let t = 0; t < T; t++) {
    let max = NEG_INF;
    for (let k = 0; k < K; k++) max = Math.max(max, scores[t * K + k]!);
    let sum = 0;
    for (let k = 0; k < K; k++) sum += Math.exp(scores[t * K + k]! - max);
    const log = max + Math.log(sum);
    for (let k = 0; k < K; k++) out[t * K + k] = scores[t * K + k]! - log;
  }
  return out;
}

/** The fewest columns that can emit `label`: one per character, plus a blank between equal neighbours. */
export function minimumColumns(label: ArrayLike<number>): number {
  let n = label.length;
  for (let i = 1; i < label.length; i++) if (label[i] === label[i - 1]) n += 1;
  return n;
}

export interface CtcResult {
  /** −log p(label | scores). */
  nll: number;
  /** ∂nll/∂scores [T, K] (softmax minus the alignment posterior), when asked for. */
  grad?: Float64Array;
}

/**
 * The CTC loss of one sequence from its log-probabilities [T, K] (rows of a log-softmax).
 * Infinite when T is shorter than the label needs (no alignment exists).
 */
export function ctcSequence(logProbs: Float64Array, T: number, K: number, label: ArrayLike<number>, withGradient = true): CtcResult {
  const blank = K - 1;
  const L = label.length;
  const S = 2 * L + 1;
  const sym = (s: number) => (s % 2 === 0 ? blank : label[(s - 1) / 2]!);
  // α[t][s], β[t][s]: log-probability of the prefix (suffix) alignments through extended state s at time t.
  const alpha = new Float64Array(T * S).fill(NEG_INF);
  const beta = new Float64Array(T * S).fill(NEG_INF);
  const lp = (t: number, s: number) => logProbs[t * K + sym(s)]!;
  const skips = (s: number) => s >= 2 && sym(s) !== blank && sym(s) !== sym(s - 2);
  alpha[0] = lp(0, 0);
  if (S > 1) alpha[1] = lp(0, 1);
  for (let t = 1; t < T; t++) {
    for (let s = 0; s < S; s++) {
      let a = alpha[(t - 1) * S + s]!;
      if (s >= 1) a = logAdd(a, alpha[(t - 1) * S + s - 1]!);
      if (skips(s)) a = logAdd(a, alpha[(t - 1) * S + s - 2]!);
      alpha[t * S + s] = a === NEG_INF ? NEG_INF : a + lp(t, s);
    }
  }
  const last = (T - 1) * S;
  const logP = S > 1 ? logAdd(alpha[last + S - 1]!, alpha[last + S - 2]!) : alpha[last + S - 1]!;
  if (!withGradient || logP === NEG_INF) return { nll: -logP };

  beta[last + S - 1] = lp(T - 1, S - 1);
  if (S > 1) beta[last + S - 2] = lp(T - 1, S - 2);
  for (let t = T - 2; t >= 0; t--) {
    for (let s = 0; s < S; s++) {
      let b = beta[(t + 1) * S + s]!;
      if (s + 1 < S) b = logAdd(b, beta[(t + 1) * S + s + 1]!);
      if (s + 2 < S && skips(s + 2)) b = logAdd(b, beta[(t + 1) * S + s + 2]!);
      beta[t * S + s] = b === NEG_INF ? NEG_INF : b + lp(t, s);
    }
  }
  // γ_t(k) = Σ_{s: sym(s) = k} α_t(s) β_t(s) / (y_t(k) p): both α and β include y_t(sym(s)) once.
  const grad = new Float64Array(T * K);
  const posterior = new Float64Array(K);
  for (let t = 0; t < T; t++) {
    posterior.fill(NEG_INF);
    for (let s = 0; s < S; s++) {
      const k = sym(s);
      posterior[k] = logAdd(posterior[k]!, alpha[t * S + s]! + beta[t * S + s]! - logProbs[t * K + k]!);
    }
    for (let k = 0; k < K; k++) grad[t * K + k] = Math.exp(logProbs[t * K + k]!) - Math.exp(posterior[k]! - logP);
  }
  return { nll: -logP, grad };
}

/**
 * Mean CTC loss of a batch of score sequences [B, T, K] against their labels, as a
 * differentiable scalar: its gradient is the exact one of ctcSequence, per sequence,
 * divided by B. Throws, naming the label, when a sequence is too short for its label.
 */
export function ctcLoss(scores: tf.Tensor3D, labels: ArrayLike<number>[]): tf.Scalar {
  const [B, T, K] = scores.shape;
  if (labels.length !== B) throw new Error(`ctcLoss: ${labels.length} labels for a batch of ${B}`);
  const loss = tf.customGrad((...args: (Tensor | tf.GradSaveFunc)[]) => {
    const x = args[0] as Tensor;
    const save = args[1] as tf.GradSaveFunc;
    const { loss: value, grads } = ctcBatch(x.dataSync() as Float32Array, [B, T, K], labels);
    const g = tf.tensor3d(grads, [B, T, K]);
    save([g]);
    return { value: tf.scalar(value), gradFunc: (dy: Tensor, saved: Tensor[]) => tf.mul(dy, saved[0]!) };
  });
  return loss(scores) as tf.Scalar;
}

/**
 * The batch's mean CTC loss and its gradient ∂loss/∂scores [B, T, K] from scores read
 * back to the host: ctcLoss's work, for backends that read back only asynchronously
 * (WebGPU), whose step feeds the gradient to the network itself.
 */
export function ctcBatch(values: Float32Array, [B, T, K]: [number, number, number], labels: ArrayLike<number>[]): { loss: number; grads: Float32Array } {
  const grads = new Float32Array(B * T * K);
  let total = 0;
  for (let b = 0; b < B; b++) {
    const logProbs = logSoftmaxRows(values.subarray(b * T * K, (b + 1) * T * K), T, K);
    const r = ctcSequence(logProbs, T, K, labels[b]!);
    if (!Number.isFinite(r.nll)) {
      throw new Error(`ctcLoss: ${T} columns cannot emit a label of ${labels[b]!.length} classes (${minimumColumns(labels[b]!)} needed)`);
    }
    total += r.nll;
    for (let i = 0; i < T * K; i++) grads[b * T * K + i] = r.grad![i]! / B;
  }
  return { loss: total / B, grads };
}

/** Best path: the most likely class per column, repeats merged, blanks dropped. */
export function greedyDecode(logProbs: Float64Array, T: number, K: number): number[] {
  const blank = K - 1;
  const out: number[] = [];
  let previous = -1;
  for (let t = 0; t < T; t++) {
    let best = 0;
    for (let k = 1; k < K; k++) if (logProbs[t * K + k]! > logProbs[t * K + best]!) best = k;
    if (best !== blank && best !== previous) out.push(best);
    previous = best;
  }
  return out;
}

/**
 * Prefix beam search (Hannun et al., 2014): keeps the `width` most likely label
 * prefixes, each with the probability of ending in a blank and in its last class, so
 * alignments that merge into one label are summed. Returns labels best first with
 * their log-probabilities (the exact CTC probability when the beam holds every prefix).
 *
 * With `length`, only labels of exactly that many classes: a prefix longer than it, or
 * too short to reach it in the columns left (one class a column), leaves the beam, so
 * the beam's places go to readings that can be right. For captchas of a known length,
 * where CTC's typical misreading is one character too few (a doubled letter merged) or
 * too many. Empty when no label of that length has an alignment.
 */
export function beamDecode(logProbs: Float64Array, T: number, K: number, width = 8, length?: number): { label: number[]; logProb: number }[] {
  const blank = K - 1;
  type Beam = { label: number[]; blank: number; last: number };
  let beams = new Map<string, Beam>([['', { label: [], blank: 0, last: NEG_INF }]]);
  for (let t = 0; t < T; t++) {
    const next = new Map<string, Beam>();
    const at = (label: number[]) => {
      const key = label.join(',');
      let b = next.get(key);
      if (!b) next.set(key, (b = { label, blank: NEG_INF, last: NEG_INF }));
      return b;
    };
    for (const beam of beams.values()) {
      const total = logAdd(beam.blank, beam.last);
      // A blank keeps the prefix.
      const same = at(beam.label);
      same.blank = logAdd(same.blank, total + logProbs[t * K + blank]!);
      const end = beam.label.at(-1);
      for (let k = 0; k < blank; k++) {
        const p = logProbs[t * K + k]!;
        if (k === end) {
          // A repeat of the last class merges into it, unless a blank separated them.
          same.last = logAdd(same.last, beam.last + p);
          const extended = at([...beam.label, k]);
          extended.last = logAdd(extended.last, beam.blank + p);
        } else {
          const extended = at([...beam.label, k]);
          extended.last = logAdd(extended.last, total + p);
        }
      }
    }
    const reachable = (label: number[]) => length === undefined || (label.length <= length && label.length + (T - 1 - t) >= length);
    beams = new Map([...next.entries()].filter(([, b]) => logAdd(b.blank, b.last) > NEG_INF && reachable(b.label)).sort((a, b) => logAdd(b[1].blank, b[1].last) - logAdd(a[1].blank, a[1].last)).slice(0, width));
  }
  return [...beams.values()].filter((b) => length === undefined || b.label.length === length).map((b) => ({ label: b.label, logProb: logAdd(b.blank, b.last) }));
}

/**
 * How captchas are read: the prefix-beam width (1: greedy) and, for captchas whose texts
 * all have one length, that length (null: any). A known length takes a beam of at least
 * FIXED_LENGTH_BEAM, so readings of the right length are in it.
 */
export interface Decoding {
  beamWidth: number;
  length: number | null;
}

/** The narrowest beam a known-length reading searches (on captcha-kaggle-v2's validation split 32 read no more than 8). */
export const FIXED_LENGTH_BEAM = 8;

/**
 * The text of one sequence's log-probabilities [T, K] (greedy, or prefix beam search when `beamWidth` > 1; with a
 * known length, the likeliest text of that length, else the likeliest of any).
 */
export function decodeLogProbs(lp: Float64Array, T: number, K: number, decoding: Decoding): number[] {
  if (decoding.length !== null) {
    const fixed = beamDecode(lp, T, K, Math.max(decoding.beamWidth, FIXED_LENGTH_BEAM), decoding.length)[0];
    if (fixed) return fixed.label;
  }
  return decoding.beamWidth > 1 ? beamDecode(lp, T, K, decoding.beamWidth)[0]?.label ?? [] : greedyDecode(lp, T, K);
}

/** The length every text has, when asked to read exactly it and they agree (null otherwise). */
export function fixedLengthOf(config: { fixedLength: boolean }, texts: ArrayLike<number>[]): number | null {
  if (!config.fixedLength || texts.length === 0) return null;
  const length = texts[0]!.length;
  return texts.every((t) => t.length === length) ? length : null;
}
