import { threadShare } from '../../../workbench/launch.ts';
import { getRun } from '../../../workbench/history.ts';
import type { Db } from '../../../workbench/home.ts';
import type { RunManager } from './run-manager.ts';

/**
 * The local executor: sweep runs queued on this machine and started `concurrency`
 * at a time (on 2 cores, one: two trainings would only share the cores), the next
 * when one ends, each with its share of the cores' wasm threads (threadShare), so runs that
 * train side by side do not oversubscribe them. A run stopped or deleted meanwhile is skipped.
 */
export class LocalSweepQueue {
  private readonly waiting: string[] = [];
  private readonly started = new Set<string>();

  constructor(private readonly db: Db, private readonly runs: RunManager, private readonly concurrency: number) {
    runs.onExit((run) => {
      if (this.started.delete(run)) this.pump();
    });
  }

  add(runs: string[]): void {
    this.waiting.push(...runs.filter((r) => !this.waiting.includes(r)));
    this.pump();
  }

  /** Withdraws waiting runs; returns the ids withdrawn. */
  withdraw(runs: string[]): string[] {
    const out = this.waiting.filter((r) => runs.includes(r));
    for (const r of out) this.waiting.splice(this.waiting.indexOf(r), 1);
    return out;
  }

  private pump(): void {
    while (this.started.size < this.concurrency && this.waiting.length > 0) {
      const id = this.waiting.shift()!;
      let status: string;
      try {
        status = getRun(this.db, id).status;
      } catch {
        continue; // deleted meanwhile
      }
      if (status !== 'queued' && status !== 'interrupted') continue;
      this.started.add(id);
      this.runs.start(id, { resume: status === 'interrupted', threads: threadShare(this.concurrency) });
    }
  }
}
