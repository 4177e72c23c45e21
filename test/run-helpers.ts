import type { BackendName } from '../src-core/engine/backend.ts';
import { resolveConfig } from '../src-core/presets/resolve.ts';
import type { RunEvent, RunSummary } from '../src-core/runner/events.ts';
import { createRun, runFiles } from '../src-core/runner/run-folder.ts';
import { runJob } from '../src-core/runner/run-job.ts';
import { openStore } from '../src-core/store/index.ts';
import type { Db } from '../src-core/store/open.ts';
import { getRun, type RunRow } from '../src-core/store/runs.ts';

export interface TrainedRun {
  db: Db;
  home: string;
  run: RunRow;
  events: RunEvent[];
  summary: RunSummary;
  checkpoint: string;
}

/** Creates and trains a run in this process against a real store in `home`. */
export async function trainInProcess(
  home: string, preset: string, overrides: Record<string, string>,
  opts: { backend: BackendName; steps?: number; onEvent?: (e: RunEvent, run: RunRow) => void },
): Promise<TrainedRun> {
  const db = openStore(home);
  const run = createRun(db, home, resolveConfig(preset, overrides), opts.backend);
  const events: RunEvent[] = [];
  const summary = await runJob({
    home, db, run, resume: false, steps: opts.steps, shouldStop: () => false,
    emit: (e) => {
      events.push(e);
      opts.onEvent?.(e, run);
    },
  });
  return { db, home, run: getRun(db, run.id), events, summary, checkpoint: runFiles(home, run.id).checkpoint };
}

/** Resumes a run in this process for `steps` more iterations. */
export async function resumeInProcess(t: Pick<TrainedRun, 'db' | 'home' | 'run'>, steps: number): Promise<RunEvent[]> {
  const events: RunEvent[] = [];
  await runJob({ home: t.home, db: t.db, run: getRun(t.db, t.run.id), resume: true, steps, shouldStop: () => false, emit: (e) => events.push(e) });
  return events;
}
