import type { MethodInput } from '../../../src-core/api/contract/methods.ts';
import type { RunStatus, RunSummaryRow, SweepDetail, SweepInfo } from '../../../src-core/api/contract/types.ts';
import type { ApiClient } from '../lib/api.ts';

export type SortKey = NonNullable<MethodInput<'runs.list'>['sort']>;
const PAGE = 100;

/**
 * The run history: filters, sort and paging are done by the store (SQL with
 * indexes), so the table holds one page whatever the number of runs. Selection for
 * comparison survives paging and filtering.
 */
export class HistoryState {
  text = $state('');
  preset = $state('');
  /** A sweep's id: only its runs, and its summary across seeds. */
  sweep = $state('');
  sweeps = $state<SweepInfo[]>([]);
  sweepDetail = $state<SweepDetail | null>(null);
  status = $state<RunStatus | ''>('');
  tag = $state('');
  since = $state('');
  until = $state('');
  metric = $state('d');
  sort = $state<SortKey>('created');
  descending = $state(true);
  page = $state(0);
  rows = $state<RunSummaryRow[]>([]);
  total = $state(0);
  loading = $state(false);
  error = $state<string | null>(null);
  selected = $state<string[]>([]);
  private generation = 0;

  pages = $derived(Math.max(1, Math.ceil(this.total / PAGE)));
  /** What is asked for, paging aside: a change starts again at page 1. */
  criteria = $derived<MethodInput<'runs.list'>>({
    ...(this.text.trim() ? { text: this.text.trim() } : {}),
    ...(this.preset ? { preset: this.preset } : {}),
    ...(this.sweep ? { sweep: this.sweep } : {}),
    ...(this.status ? { status: this.status } : {}),
    ...(this.tag.trim() ? { tag: this.tag.trim() } : {}),
    ...(this.since ? { since: this.since } : {}),
    ...(this.until ? { until: `${this.until}T23:59:59.999Z` } : {}),
    ...(this.metric.trim() ? { metric: this.metric.trim() } : {}),
    sort: this.sort, descending: this.descending,
  });
  filter = $derived<MethodInput<'runs.list'>>({ ...this.criteria, limit: PAGE, offset: this.page * PAGE });

  constructor(private readonly api: ApiClient) {}

  async refresh(): Promise<void> {
    const generation = ++this.generation;
    this.loading = true;
    try {
      const r = await this.api.call('runs.list', this.filter);
      if (generation !== this.generation) return;
      this.rows = r.runs;
      this.total = r.total;
      this.error = null;
    } catch (err) {
      if (generation === this.generation) this.error = err instanceof Error ? err.message : String(err);
    } finally {
      if (generation === this.generation) this.loading = false;
    }
  }

  /** The sweeps to filter by, and the chosen one's configurations with the metric's median and spread across seeds. */
  async refreshSweeps(): Promise<void> {
    this.sweeps = await this.api.call('sweeps.list', {});
    this.sweepDetail = this.sweep ? await this.api.call('sweeps.get', { sweep: this.sweep, ...(this.metric.trim() ? { metric: this.metric.trim() } : {}) }) : null;
  }

  /** Clicking the sorted column flips the direction; another column sorts by it (metric values lowest first). */
  sortBy(key: SortKey): void {
    if (this.sort === key) this.descending = !this.descending;
    else {
      this.sort = key;
      this.descending = !(key === 'best' || key === 'last');
    }
  }

  toggle(run: string): void {
    this.selected = this.selected.includes(run) ? this.selected.filter((r) => r !== run) : [...this.selected, run];
  }

  async addTag(run: string, tag: string): Promise<void> {
    if (!tag.trim()) return;
    this.replace(await this.api.call('runs.update', { run, addTags: [tag.trim()] }));
  }

  async removeTag(run: string, tag: string): Promise<void> {
    this.replace(await this.api.call('runs.update', { run, removeTags: [tag] }));
  }

  async setNotes(run: string, notes: string): Promise<void> {
    this.replace(await this.api.call('runs.update', { run, notes }));
  }

  async remove(run: string): Promise<void> {
    await this.api.call('runs.delete', { run });
    this.selected = this.selected.filter((r) => r !== run);
    this.rows = this.rows.filter((r) => r.id !== run);
    this.total = Math.max(0, this.total - 1);
  }

  private replace(row: RunSummaryRow): void {
    const i = this.rows.findIndex((r) => r.id === row.id);
    if (i >= 0) this.rows[i] = { ...row, best: this.rows[i]!.best, last: this.rows[i]!.last };
  }
}
