import type { BackendChoice } from '../../../engine/backend.ts';
import { lastWords, startRunner, type RunnerHandle } from '../../../runner/spawn.ts';
import type { Db } from '../../../store/open.ts';
import { finishRun, getRun } from '../../../store/runs.ts';
import type { ApiEvent } from '../../contract/events.ts';

/**
 * The host's runner processes, one per active run: their events go to the event
 * stream; a runner that dies without a word (killed, out of memory) leaves its run
 * marked failed with the process's last stderr line, and the host carries on.
 */
export class RunManager {
  private readonly active = new Map<string, RunnerHandle>();

  constructor(private readonly home: string, private readonly db: Db, private readonly emit: (e: ApiEvent) => void) {}

  isActive(run: string): boolean {
    return this.active.has(run);
  }

  start(run: string, o: { resume: boolean; steps?: number; backend?: BackendChoice }): void {
    let finished = false;
    const handle = startRunner({ home: this.home, run, resume: o.resume, steps: o.steps, backend: o.backend }, (event) => {
      if (event.type === 'done' || event.type === 'error') finished = true;
      this.emit({ topic: 'run', run, event });
      if (event.type === 'started') this.emit({ topic: 'runs-changed', run, status: 'running' });
    });
    this.active.set(run, handle);
    void handle.exited.then((code) => {
      this.active.delete(run);
      const row = getRun(this.db, run);
      if (!finished && (row.status === 'running' || row.status === 'queued')) {
        const last = lastWords(handle.stderrTail());
        const message = `the runner process ended (code ${code}) without finishing${last ? `: ${last}` : ''}`;
        finishRun(this.db, row.pk, 'failed', message);
        this.emit({ topic: 'run', run, event: { type: 'error', message, userError: false } });
      }
      this.emit({ topic: 'runs-changed', run, status: getRun(this.db, run).status });
    });
  }

  /** Asks the runner to checkpoint and stop after its current iteration. */
  stop(run: string): boolean {
    const h = this.active.get(run);
    if (!h) return false;
    h.stop();
    return true;
  }

  /** Stops every runner (they checkpoint) and waits for them, so no run is left 'running'. */
  async dispose(): Promise<void> {
    const handles = [...this.active.values()];
    for (const h of handles) h.stop();
    await Promise.all(handles.map((h) => h.exited));
  }
}
