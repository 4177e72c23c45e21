import type { BackendChoice } from '../../../domain/runs.ts';
import { finishRun, lastWords, type RunnerHandle, startRunner } from '../../../workbench/launch.ts';
import type { Db } from '../../../workbench/home.ts';
import { getRun } from '../../../workbench/history.ts';
import type { ApiEvent } from '../../contract/events.ts';
import { settleWithin } from '../../../util/settle.ts';

/**
 * The host's runner processes, one per active run: their events go to the event
 * stream; a runner that dies without a word (killed, out of memory) leaves its run
 * marked failed with the process's last stderr line, and the host carries on.
 */
export class RunManager {
  private readonly active = new Map<string, RunnerHandle>();
  /** Runs whose runner was killed at shutdown after the grace period: interrupted, not failed (their last checkpoint stands). */
  private readonly killed = new Set<string>();
  private readonly exitListeners = new Set<(run: string) => void>();

  constructor(
    private readonly home: string, private readonly db: Db, private readonly emit: (e: ApiEvent) => void,
    /** How long dispose() waits for runners to checkpoint and exit before it kills them. */
    private readonly graceMs = 20_000,
  ) {}

  isActive(run: string): boolean {
    return this.active.has(run);
  }

  start(run: string, o: { resume: boolean; steps?: number; backend?: BackendChoice; threads?: number }): void {
    let finished = false;
    const handle = startRunner({ home: this.home, run, resume: o.resume, steps: o.steps, backend: o.backend, threads: o.threads }, (event) => {
      if (event.type === 'done' || event.type === 'error') finished = true;
      this.emit({ topic: 'run', run, event });
      if (event.type === 'started') this.emit({ topic: 'runs-changed', run, status: 'running' });
    });
    this.active.set(run, handle);
    void handle.exited.then((code) => {
      this.active.delete(run);
      const row = getRun(this.db, run);
      if (!finished && (row.status === 'running' || row.status === 'queued') && this.killed.has(run)) {
        finishRun(this.db, row.pk, 'interrupted', `the runner did not stop within ${this.graceMs / 1000} s of quitting and was killed; resume continues from the last checkpoint`);
      } else if (!finished && (row.status === 'running' || row.status === 'queued')) {
        const last = lastWords(handle.stderrTail());
        const message = `the runner process ended (code ${code}) without finishing${last ? `: ${last}` : ''}`;
        finishRun(this.db, row.pk, 'failed', message);
        this.emit({ topic: 'run', run, event: { type: 'error', message, userError: false } });
      }
      this.emit({ topic: 'runs-changed', run, status: getRun(this.db, run).status });
      for (const l of this.exitListeners) l(run);
    });
  }

  /** Called with the run's id whenever one of this manager's runners has ended. */
  onExit(listener: (run: string) => void): void {
    this.exitListeners.add(listener);
  }

  /** How many runners are active. */
  get size(): number {
    return this.active.size;
  }

  /** Asks the runner to checkpoint and stop after its current iteration. */
  stop(run: string): boolean {
    const h = this.active.get(run);
    if (!h) return false;
    h.stop();
    return true;
  }

  /**
   * Stops every runner (they checkpoint) and waits for them — at most `graceMs`:
   * a runner still there then is killed (its checkpoint on disk is atomic) and its
   * run marked interrupted, so one hung runner cannot keep the app from quitting.
   */
  async dispose(): Promise<void> {
    const handles = [...this.active.entries()];
    for (const [, h] of handles) h.stop();
    await settleWithin(handles.map(([, h]) => h.exited), this.graceMs);
    for (const [run, h] of handles) {
      if (h.child.exitCode !== null || h.child.signalCode !== null) continue;
      this.killed.add(run);
      h.child.kill('SIGKILL');
    }
    await Promise.all(handles.map(([, h]) => h.exited));
  }
}
