/**
 * Self-training's pseudo-labels: the texts the recogniser's averaged weights (the
 * teacher) read on unlabelled captchas with a confidence of at least a threshold.
 * They live in the job (and its checkpoint) only: never in the label store.
 */
import type { Reading } from './sequence-reading.ts';

/** Saved form: dataset indices in increasing order and their texts. */
export interface PseudoLabelState { ids: number[]; texts: number[][] }

export interface PseudoLabelRefresh {
  /** Captchas pseudo-labelled after the refresh. */
  accepted: number;
  /** Of those, ones whose text differs from (or was not in) the previous set. */
  changed: number;
  /** Previously pseudo-labelled captchas now below the threshold. */
  dropped: number;
}

export class PseudoLabels {
  /** Dataset index → text, kept in increasing index order (the batches' draw depends on it). */
  private texts = new Map<number, Int32Array>();

  get labels(): ReadonlyMap<number, Int32Array> {
    return this.texts;
  }

  get size(): number {
    return this.texts.size;
  }

  /**
   * Replaces the set with the readings of `ids` (in the same order) whose confidence is at
   * least `threshold` and, when the scheme has one length, whose text has it.
   */
  refresh(ids: number[], readings: Reading[], threshold: number, length: number | null): PseudoLabelRefresh {
    const next = new Map<number, Int32Array>();
    let changed = 0;
    const order = ids.map((id, i) => [id, readings[i]!] as const).sort((a, b) => a[0] - b[0]);
    for (const [id, r] of order) {
      if (r.confidence < threshold || r.label.length === 0 || (length !== null && r.label.length !== length)) continue;
      const text = Int32Array.from(r.label);
      const before = this.texts.get(id);
      if (!before || before.length !== text.length || before.some((k, j) => k !== text[j])) changed += 1;
      next.set(id, text);
    }
    const dropped = [...this.texts.keys()].filter((id) => !next.has(id)).length;
    this.texts = next;
    return { accepted: next.size, changed, dropped };
  }

  state(): PseudoLabelState {
    return { ids: [...this.texts.keys()], texts: [...this.texts.values()].map((t) => Array.from(t)) };
  }

  load(state: PseudoLabelState | undefined): void {
    this.texts = new Map((state?.ids ?? []).map((id, i) => [id, Int32Array.from(state!.texts[i]!)]));
  }
}
