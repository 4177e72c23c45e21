import type { CaptchaItem, LabelProgress, MislabelEntry } from '../../../src-core/api/contract/types.ts';
import type { ApiClient } from '../lib/api.ts';

export type Queue = 'unlabelled' | 'least-confident' | 'flagged' | 'skipped' | 'all';

/** Training seconds a background retraining gets: long enough for a few labels' worth of gain, short enough to keep up with typing. */
export const RETRAIN_SECONDS = 300;
/** Fewer labels than this hold out too few captchas to judge a recogniser by (a tenth each for validation and test). */
export const MIN_RETRAIN_LABELS = 20;

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
  /**
   * Retrain the recogniser in the background after this many typed labels (0: only when asked). Typed: saved
   * as something other than the pre-label shown, or with none shown. Pre-labels accepted as they stand teach the
   * next recogniser little (self-training already reads the confident ones), so they do not bring a retraining on.
   */
  retrainEvery = $state(25);
  /** Training seconds each background retraining gets. */
  retrainSeconds = $state(RETRAIN_SECONDS);
  /** Labels typed since the last retraining started (on opening a dataset: the labels its latest recogniser has not seen). */
  typedSinceRetrain = $state(0);
  /** Pre-labels accepted as they stand in this session, and labels typed. */
  accepted = $state(0);
  typed = $state(0);
  /** The background retraining run and the pre-labelling task after it, while they go on. */
  retrainRun = $state<string | null>(null);
  prelabelTask = $state<string | null>(null);
  /** Labels there were when the last retraining started. */
  labelsAtRetrain = $state(0);
  retrainError = $state<string | null>(null);

  /** Upper-case input when the alphabet has no lower-case letters (the common captcha case). */
  upperOnly = $derived(this.item ? this.item.alphabet === this.item.alphabet.toUpperCase() : false);
  problem = $derived(this.item && this.text ? labelProblem(this.text, this.item.length, this.item.alphabet) : null);
  done = $derived(this.progress ? this.progress.counts.labelled : 0);

  /** The accuracy-against-labels curve so far: one point per recogniser, as percentages. */
  curve = $derived(this.progress ? this.progress.learning.curve.map((p) => ({ x: p.labels, y: p.captchaAccuracy * 100 })) : []);

  constructor(private readonly api: ApiClient) {}

  async open(dataset: number, queue: Queue = this.queue): Promise<void> {
    const changed = dataset !== this.dataset;
    this.dataset = dataset;
    this.queue = queue;
    this.progress = await this.api.call('labels.progress', { dataset });
    if (changed) {
      this.labelsAtRetrain = this.progress.learning.curve.at(-1)?.labels ?? 0;
      this.typedSinceRetrain = Math.max(0, this.done - this.labelsAtRetrain);
    }
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
    const typed = this.item.suggestion?.label !== this.text;
    try {
      const r = await this.api.call('labels.save', { captcha: this.item.id, label: this.text });
      this.progress = r.progress;
      this.notice = `saved ${r.item.file} as ${r.item.label}`;
      this.item = r.item;
      if (typed) {
        this.typed++;
        this.typedSinceRetrain++;
      } else this.accepted++;
      await this.next();
      if (this.retrainEvery > 0 && this.typedSinceRetrain >= this.retrainEvery) void this.retrain();
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

  /**
   * Trains a recogniser on the labels so far (and, by self-training, the unlabelled captchas) in the background,
   * for at most `retrainSeconds`; once it completes the unlabelled captchas are pre-labelled with it.
   */
  async retrain(): Promise<void> {
    if (this.dataset === null || this.retrainRun !== null || this.prelabelTask !== null) return;
    if (this.done < MIN_RETRAIN_LABELS) {
      this.retrainError = `retraining needs at least ${MIN_RETRAIN_LABELS} labels (${this.done} so far)`;
      return;
    }
    this.retrainError = null;
    this.labelsAtRetrain = this.done;
    this.typedSinceRetrain = 0;
    try {
      const run = await this.api.call('recognizer.train', { dataset: this.dataset, overrides: { seconds: String(this.retrainSeconds) }, model: 'ctc' });
      this.retrainRun = run.id;
    } catch (err) {
      this.retrainError = `retraining: ${err instanceof Error ? err.message : String(err)}`;
    }
  }

  /** A run ended (the host's 'done' or 'error'): when it is the retraining, pre-label with its recogniser. */
  async onRunEnded(run: string, completed: boolean, message?: string): Promise<void> {
    if (run !== this.retrainRun || this.dataset === null) return;
    this.retrainRun = null;
    if (!completed) {
      this.retrainError = `retraining stopped${message ? `: ${message}` : ''}`;
      return;
    }
    try {
      this.prelabelTask = (await this.api.call('recognizer.prelabel', { dataset: this.dataset })).task;
    } catch (err) {
      this.retrainError = `pre-labelling: ${err instanceof Error ? err.message : String(err)}`;
    }
  }

  /** A task ended: after the pre-labelling, the counts, the curve and the current item's pre-label are read again. */
  async onTaskEnded(task: string): Promise<void> {
    if (task !== this.prelabelTask || this.dataset === null) return;
    this.prelabelTask = null;
    this.progress = await this.api.call('labels.progress', { dataset: this.dataset });
    if (this.item && !this.unsaved) this.show(await this.api.call('labels.item', { dataset: this.dataset, captcha: this.item.id }));
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
