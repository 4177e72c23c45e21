import type { CaptchaItem, LabelProgress, MislabelEntry } from '../../../src-core/api/contract/types.ts';
import type { ApiClient } from '../lib/api.ts';

export type Queue = 'unlabelled' | 'least-confident' | 'flagged' | 'skipped' | 'all';

/** Why a label cannot be saved, said before asking the host (which checks again). */
export function labelProblem(text: string, length: number, alphabet: string): string | null {
  if (text.length !== length) return `needs ${length} characters, has ${text.length}`;
  const bad = [...text].filter((c) => !alphabet.includes(c));
  return bad.length ? `not in the alphabet: ${[...new Set(bad)].join(' ')}` : null;
}

/**
 * A labelling session over one captcha dataset. Saving waits for the host's durable
 * write before advancing; a failed save keeps the item, the typed text and an
 * "unsaved" mark with the reason, so nothing typed is lost.
 */
export class LabelSession {
  dataset = $state<number | null>(null);
  queue = $state<Queue>('unlabelled');
  item = $state<CaptchaItem | null>(null);
  text = $state('');
  saving = $state(false);
  unsaved = $state(false);
  error = $state<string | null>(null);
  progress = $state<LabelProgress | null>(null);
  mislabels = $state<MislabelEntry[]>([]);
  /** The last action's outcome, for a polite status line. */
  notice = $state('');

  /** Upper-case input when the alphabet has no lower-case letters (the common captcha case). */
  upperOnly = $derived(this.item ? this.item.alphabet === this.item.alphabet.toUpperCase() : false);
  problem = $derived(this.item && this.text ? labelProblem(this.text, this.item.length, this.item.alphabet) : null);
  done = $derived(this.progress ? this.progress.counts.labelled : 0);

  constructor(private readonly api: ApiClient) {}

  async open(dataset: number, queue: Queue = this.queue): Promise<void> {
    this.dataset = dataset;
    this.queue = queue;
    this.progress = await this.api.call('labels.progress', { dataset });
    await this.show(await this.api.call('labels.item', { dataset, queue }));
    await this.loadMislabels();
  }

  async loadMislabels(): Promise<void> {
    if (this.dataset !== null) this.mislabels = await this.api.call('labels.mislabels', { dataset: this.dataset, limit: 50 });
  }

  show(item: CaptchaItem | null): void {
    this.item = item;
    this.text = item ? (item.label ?? item.suggestion?.label ?? '') : '';
    this.unsaved = false;
    this.error = null;
  }

  input(value: string): void {
    this.text = this.upperOnly ? value.toUpperCase() : value;
    this.unsaved = this.item !== null && this.text !== (this.item.label ?? '');
  }

  async openCaptcha(captcha: number): Promise<void> {
    if (this.dataset === null) return;
    this.show(await this.api.call('labels.item', { dataset: this.dataset, captcha }));
  }

  private async next(): Promise<void> {
    if (this.dataset === null || !this.item) return;
    this.show(await this.api.call('labels.item', { dataset: this.dataset, queue: this.queue, after: this.item.ordinal }));
  }

  /** Saves the typed label and, only once the host confirms it is on disk, moves on. */
  async save(): Promise<boolean> {
    if (!this.item || this.saving) return false;
    const problem = labelProblem(this.text, this.item.length, this.item.alphabet);
    if (problem) {
      this.error = problem;
      this.unsaved = true;
      return false;
    }
    this.saving = true;
    try {
      const r = await this.api.call('labels.save', { captcha: this.item.id, label: this.text });
      this.progress = r.progress;
      this.notice = `saved ${r.item.file} as ${r.item.label}`;
      this.item = r.item;
      await this.next();
      return true;
    } catch (err) {
      this.unsaved = true;
      this.error = `not saved: ${err instanceof Error ? err.message : String(err)}`;
      return false;
    } finally {
      this.saving = false;
    }
  }

  async mark(status: 'skipped' | 'flagged'): Promise<void> {
    if (!this.item || this.saving) return;
    this.saving = true;
    try {
      const r = await this.api.call('labels.mark', { captcha: this.item.id, status });
      this.progress = r.progress;
      this.notice = `${status} ${r.item.file}`;
      this.item = r.item;
      await this.next();
    } catch (err) {
      this.error = err instanceof Error ? err.message : String(err);
    } finally {
      this.saving = false;
    }
  }

  async undo(): Promise<void> {
    if (this.dataset === null) return;
    const r = await this.api.call('labels.undo', { dataset: this.dataset });
    this.progress = r.progress;
    this.notice = r.item ? `undone: ${r.item.file} is ${r.item.status} again` : 'nothing to undo';
    if (r.item) this.show(r.item);
  }

  async redo(): Promise<void> {
    if (this.dataset === null) return;
    const r = await this.api.call('labels.redo', { dataset: this.dataset });
    this.progress = r.progress;
    this.notice = r.item ? `redone: ${r.item.file}` : 'nothing to redo';
    if (r.item) this.show(r.item);
  }
}
