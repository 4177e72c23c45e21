import type { RunProgressEvent } from '../../../src-core/api/contract/events.ts';
import { ACTIVE_RUN_STATUSES, type Point, type RunDetail, type RunStatus } from '../../../src-core/api/contract/types.ts';
import type { ApiClient } from '../lib/api.ts';

/** Loss keys in the order the charts show them; other keys (quality metrics) follow. */
export const LOSS_KEYS = ['d', 'g', 'wasserstein', 'gp'];

/**
 * One run as it trains: status, progress, every metric series, the latest sample
 * grid. Seeded from the store (`load`), then kept current by the run's events
 * (`apply`), so opening a run mid-training or after a reconnect shows all of it.
 */
export class LiveRun {
  run = $state('');
  preset = $state('');
  status = $state<RunStatus | 'stopping'>('queued');
  step = $state(0);
  fromStep = $state(0);
  toStep = $state(0);
  itPerSec = $state<number | null>(null);
  etaSeconds = $state<number | null>(null);
  seconds = $state(0);
  backend = $state('');
  error = $state<string | null>(null);
  warnings = $state<string[]>([]);
  /** What the job reported as it trained (a schedule's switch, a halved learning rate, an early stop), with its step; the last 5. */
  notes = $state<string[]>([]);
  series = $state<Record<string, Point[]>>({});
  /** Bumped when any series changes, so charts redraw without deep-watching arrays. */
  version = $state(0);
  sample = $state<{ step: number; png: string } | null>(null);
  active = $state(false);

  lossKeys = $derived(LOSS_KEYS.filter((k) => this.series[k]?.length));
  metricKeys = $derived(Object.keys(this.series).filter((k) => !LOSS_KEYS.includes(k)).sort());
  fraction = $derived(this.toStep > 0 ? Math.min(1, this.step / this.toStep) : 0);
  // Every status but the active ones (and the UI's own 'stopping', which is still active).
  finished = $derived(this.status !== 'stopping' && !(ACTIVE_RUN_STATUSES as readonly string[]).includes(this.status));

  constructor(private readonly api: ApiClient, run: string) {
    this.run = run;
  }

  /** Everything the store has for the run (also after a reconnection). */
  async load(): Promise<void> {
    const d: RunDetail = await this.api.call('runs.get', { run: this.run });
    this.preset = d.preset;
    this.status = d.status;
    this.step = d.stepsDone;
    this.toStep = d.targetSteps;
    this.seconds = d.wallSeconds;
    this.backend = d.backend ?? '';
    this.error = d.error;
    this.active = d.active;
    const keys = d.metrics.map((m) => m.key);
    if (keys.length) {
      const series = await this.api.call('runs.series', { runs: [this.run], keys, maxPoints: 4000 });
      this.series = Object.fromEntries(series.map((s) => [s.key, s.points]));
      this.version++;
    }
    if (d.samples.length) await this.loadSample();
  }

  async loadSample(step?: number): Promise<void> {
    const s = await this.api.call('runs.sample', { run: this.run, ...(step === undefined ? {} : { step }) });
    if (s) this.sample = { step: s.step, png: s.png };
  }

  private append(key: string, p: Point): void {
    const list = this.series[key];
    if (!list) this.series[key] = [p];
    else if (!list.length || list[list.length - 1]!.step < p.step) list.push(p);
  }

  apply(e: RunProgressEvent): void {
    switch (e.type) {
      case 'started':
        this.status = 'running';
        this.active = true;
        this.preset = e.preset;
        this.fromStep = e.fromStep;
        this.toStep = e.toStep;
        this.backend = `${e.backend.name} ${e.backend.version} (${e.backend.detail})`;
        this.error = null;
        break;
      case 'progress':
        this.step = e.step;
        this.seconds = e.seconds;
        this.itPerSec = e.itPerSec;
        this.etaSeconds = e.etaSeconds;
        for (const [key, value] of Object.entries(e.losses)) this.append(key, { step: e.step, seconds: e.seconds, value });
        this.version++;
        break;
      case 'eval':
        for (const [key, value] of Object.entries(e.metrics)) this.append(key, { step: e.step, seconds: e.seconds, value });
        this.version++;
        break;
      case 'samples':
        void this.loadSample(e.step);
        break;
      case 'warning':
        this.warnings = [...this.warnings, e.text].slice(-5);
        break;
      case 'note':
        this.notes = [...this.notes, `step ${e.step}: ${e.text}`].slice(-5);
        break;
      case 'done':
        this.status = e.summary.status;
        this.step = e.summary.steps;
        this.active = false;
        this.etaSeconds = 0;
        break;
      case 'error':
        this.status = 'failed';
        this.error = e.message;
        this.active = false;
        break;
      default:
        break;
    }
  }

  async stop(): Promise<void> {
    this.status = 'stopping';
    await this.api.call('runs.stop', { run: this.run });
  }

  async resume(steps?: number): Promise<void> {
    this.error = null;
    await this.api.call('runs.resume', { run: this.run, ...(steps ? { steps } : {}) });
    this.status = 'queued';
    this.active = true;
  }
}
