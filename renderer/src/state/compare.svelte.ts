import type { ConfigDifference, Crossing, RunDetail, Series } from '../../../src-core/api/contract/types.ts';
import type { ApiClient } from '../lib/api.ts';

/**
 * Comparing runs: overlaid curves of the chosen metrics (by step or seconds), the
 * config keys that differ, time to a quality threshold, and the runs' sample grids
 * at one shared step.
 */
export class CompareState {
  runs = $state<string[]>([]);
  details = $state<RunDetail[]>([]);
  keys = $state<string[]>(['d']);
  x = $state<'step' | 'seconds'>('step');
  smoothing = $state(0);
  series = $state<Series[]>([]);
  diff = $state<ConfigDifference[]>([]);
  step = $state(0);
  samples = $state<Record<string, { step: number; png: string } | null>>({});
  ttqMetric = $state('');
  ttqThreshold = $state('');
  crossings = $state<(Crossing | null)[]>([]);
  error = $state<string | null>(null);

  /** Metric keys any of the runs has. */
  available = $derived([...new Set(this.details.flatMap((d) => d.metrics.map((m) => m.key)))].sort());
  /** Every step at which any run has a sample grid: the slider's stops. */
  sampleSteps = $derived([...new Set(this.details.flatMap((d) => d.samples.map((s) => s.step)))].sort((a, b) => a - b));

  constructor(private readonly api: ApiClient) {}

  async open(runs: string[]): Promise<void> {
    this.runs = runs;
    this.error = null;
    if (runs.length === 0) {
      this.details = [];
      this.series = [];
      this.diff = [];
      return;
    }
    this.details = await Promise.all(runs.map((run) => this.api.call('runs.get', { run })));
    this.diff = await this.api.call('runs.configDiff', { runs });
    const keep = this.keys.filter((k) => this.available.includes(k));
    this.keys = keep.length ? keep : this.available.slice(0, 1);
    this.step = this.sampleSteps.at(-1) ?? 0;
    await Promise.all([this.loadSeries(), this.loadSamples()]);
  }

  async loadSeries(): Promise<void> {
    if (!this.runs.length || !this.keys.length) {
      this.series = [];
      return;
    }
    this.series = await this.api.call('runs.series', { runs: this.runs, keys: this.keys, x: this.x, maxPoints: 2000 });
  }

  toggleKey(key: string): void {
    this.keys = this.keys.includes(key) ? this.keys.filter((k) => k !== key) : [...this.keys, key];
  }

  async loadSamples(): Promise<void> {
    const entries = await Promise.all(this.runs.map(async (run) => {
      const s = await this.api.call('runs.sample', { run, step: this.step });
      return [run, s && { step: s.step, png: s.png }] as const;
    }));
    this.samples = Object.fromEntries(entries);
  }

  async timeToQuality(): Promise<void> {
    const threshold = Number(this.ttqThreshold);
    if (!this.ttqMetric || !Number.isFinite(threshold) || this.ttqThreshold.trim() === '') {
      this.error = 'time to quality needs a metric and a numeric threshold';
      return;
    }
    this.error = null;
    this.crossings = await this.api.call('runs.timeToQuality', { runs: this.runs, metric: this.ttqMetric, threshold });
  }
}
