import type { ApiEvent } from '../../../src-core/api/contract/events.ts';
import type { ApiClient } from '../lib/api.ts';
import { CompareState } from './compare.svelte.ts';
import { ConnectionState } from './connection.svelte.ts';
import { ExperimentForm } from './experiment-form.svelte.ts';
import { HistoryState } from './history.svelte.ts';
import { LabelSession } from './labelling.svelte.ts';
import { LiveRun } from './live-run.svelte.ts';
import { TaskTracker } from './tasks.svelte.ts';
import { SystemState } from './system.svelte.ts';
import { ThemeState } from './theme.svelte.ts';

export const VIEWS = ['experiments', 'history', 'compare', 'label', 'datasets', 'system'] as const;
export type View = (typeof VIEWS)[number];

/**
 * The app's shared state: the screen shown, the runs being watched, dataset tasks,
 * connection and theme. The one event subscription routes every host event here.
 */
export class AppState {
  view = $state<View>('experiments');
  /** The run the experiments screen shows live. */
  currentRun = $state<string | null>(null);
  compareRuns = $state<string[]>([]);
  labelDataset = $state<number | null>(null);
  /** Bumped when any run's row changes, or datasets change: lists reload. */
  runsVersion = $state(0);
  datasetsVersion = $state(0);
  /** The Redis queue the host coordinates a fleet on (`serve --queue`), if any: sweeps may run there. */
  queue = $state<string | null>(null);
  readonly connection: ConnectionState;
  readonly theme: ThemeState;
  readonly system: SystemState;
  readonly tasks = new TaskTracker();
  // Each screen's state lives as long as the app, so edits, filters and selections survive switching screens.
  readonly form: ExperimentForm;
  readonly history: HistoryState;
  readonly comparison: CompareState;
  readonly labelling: LabelSession;
  private readonly live = new Map<string, LiveRun>();

  constructor(readonly api: ApiClient, storage: Storage | null, systemDark: boolean) {
    this.connection = new ConnectionState(api.transport);
    this.theme = new ThemeState(storage, systemDark);
    this.system = new SystemState(api, storage);
    this.form = new ExperimentForm(api, () => this.system.requestedBackend);
    this.history = new HistoryState(api);
    this.comparison = new CompareState(api);
    this.labelling = new LabelSession(api);
    api.subscribe((e) => this.onEvent(e));
    api.call('system.info', {}).then((i) => (this.queue = i.queue)).catch(() => {});
  }

  onEvent(e: ApiEvent): void {
    switch (e.topic) {
      case 'run':
        this.live.get(e.run)?.apply(e.event);
        if (e.event.type === 'done') void this.labelling.onRunEnded(e.run, e.event.summary.status === 'completed');
        if (e.event.type === 'error') void this.labelling.onRunEnded(e.run, false, e.event.message);
        break;
      case 'runs-changed':
        this.runsVersion++;
        break;
      case 'task':
        this.tasks.apply(e.task, e.event);
        if (e.event.type !== 'progress') void this.labelling.onTaskEnded(e.task);
        break;
      case 'datasets-changed':
        this.datasetsVersion++;
        break;
    }
  }

  /** The live state of a run, loaded from the store the first time and kept current by events. */
  watch(run: string): LiveRun {
    let live = this.live.get(run);
    if (!live) {
      live = new LiveRun(this.api, run);
      this.live.set(run, live);
      void live.load();
    }
    return live;
  }

  /** After a reconnection, what happened meanwhile is read back from the store. */
  reloadWatched(): void {
    for (const live of this.live.values()) void live.load();
    this.runsVersion++;
    this.datasetsVersion++;
  }

  go(view: View): void {
    this.view = view;
  }

  showRun(run: string): void {
    this.currentRun = run;
    this.view = 'experiments';
  }

  compare(runs: string[]): void {
    this.compareRuns = runs;
    this.view = 'compare';
  }

  label(dataset: number): void {
    this.labelDataset = dataset;
    this.view = 'label';
  }
}
