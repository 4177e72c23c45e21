import type { BackendsInfo, SystemInfo } from '../../../src-core/api/contract/types.ts';
import { BACKEND_CHOICES, type BackendChoice } from '../../../src-core/domain/runs.ts';
import type { ApiClient } from '../lib/api.ts';

const KEY = 'gan-workbench-backend';

/**
 * The system view: this machine (from the host), the backend ladder as probed there,
 * the WebGPU adapters found, and the backend new runs and sweeps ask for (a setting
 * remembered per browser profile; `auto` lets the ladder choose).
 */
export class SystemState {
  info = $state<SystemInfo | null>(null);
  backends = $state<BackendsInfo | null>(null);
  probing = $state(false);
  error = $state<string | null>(null);
  backendChoice = $state<BackendChoice>('auto');

  /** What a new run will train on, as the host's ladder stands and the setting chooses. */
  readonly newRun = $derived.by(() => {
    const b = this.backends;
    if (!b) return null;
    if (this.backendChoice === 'auto') return { name: b.auto.runs, why: 'auto' };
    if (b.rungs.find((r) => r.name === this.backendChoice)?.available) return { name: this.backendChoice, why: 'chosen' };
    // A chosen rung that is missing falls down the ladder, as the runner does.
    const below = b.rungs.slice(b.rungs.findIndex((r) => r.name === this.backendChoice) + 1).find((r) => r.available);
    return { name: below?.name ?? 'cpu', why: `${this.backendChoice} unavailable` };
  });

  constructor(private readonly api: ApiClient, private readonly storage: Pick<Storage, 'getItem' | 'setItem'> | null) {
    const saved = storage?.getItem(KEY);
    if (saved && (BACKEND_CHOICES as readonly string[]).includes(saved)) this.backendChoice = saved as BackendChoice;
  }

  choose(choice: BackendChoice): void {
    this.backendChoice = choice;
    this.storage?.setItem(KEY, choice);
  }

  /** The backend to send with runs.start / sweeps.create: nothing for auto (the host decides). */
  get requestedBackend(): BackendChoice | undefined {
    return this.backendChoice === 'auto' ? undefined : this.backendChoice;
  }

  async load(refresh = false): Promise<void> {
    this.probing = true;
    this.error = null;
    try {
      [this.info, this.backends] = await Promise.all([this.api.call('system.info', {}), this.api.call('system.backends', { refresh })]);
    } catch (err) {
      this.error = err instanceof Error ? err.message : String(err);
    } finally {
      this.probing = false;
    }
  }
}
