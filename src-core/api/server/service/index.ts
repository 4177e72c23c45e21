/**
 * The API's implementation over the core: one store connection, runner and task
 * processes for anything slow, one event stream. Used by the Electron main process
 * and by the headless host alike.
 */
import { projectPath } from '../../../util/core-bundle.mjs';
import { availableParallelism } from 'node:os';
import { readFileSync } from 'node:fs';
import { openStore } from '../../../workbench/home.ts';
import { unfinishedLocalSweepRuns } from '../../../workbench/sweeps.ts';
import { probeBackendsInChild } from '../../../workbench/launch.ts';
import { FleetCoordinator } from '../../../fleet/coordinator.ts';
import { redisAddress } from '../../../fleet/queue.ts';
import { fleetHandlers } from './fleet-handlers.ts';
import { LocalSweepQueue } from './local-sweeps.ts';
import { sweepHandlers } from './sweep-handlers.ts';
import { confinedTo, UNCONFINED } from '../../../workbench/data-roots.ts';
import type { BackendsInfo } from '../../contract/types.ts';
import type { ApiHandlers } from '../../contract/methods.ts';
import type { ApiEvent } from '../../contract/events.ts';
import type { ServiceContext } from './context.ts';
import { datasetHandlers } from './dataset-handlers.ts';
import { exportFigure } from '../../../workbench/figures.ts';
import { labelHandlers } from './label-handlers.ts';
import { RunManager } from './run-manager.ts';
import { runHandlers } from './runs-handlers.ts';
import { TaskManager } from './task-manager.ts';

const VERSION = (JSON.parse(readFileSync(projectPath('package.json'), 'utf8')) as { version: string }).version;

export interface Service {
  handlers: ApiHandlers;
  /** Subscribes to every event; returns the unsubscribe function. */
  subscribe(listener: (e: ApiEvent) => void): () => void;
  /** Stops runners (they checkpoint) and tasks, then closes the store. */
  close(): Promise<void>;
}

/**
 * `dataRoots`: the folders calls may name paths in (a host passes its home and each
 * `--data-root`); absent, any path (the desktop app, whose user is at the keyboard).
 */
export interface ServiceOptions {
  home: string;
  shell: 'electron' | 'browser';
  dataRoots?: string[];
  /** A Redis address: this host coordinates a fleet of workers on that queue. */
  queue?: string;
  /** Sweep runs trained here at once (default: one per two cores, at least one). */
  localConcurrency?: number;
  /** A fleet worker silent this long loses its run to the next claim (default 60 s). */
  fleetStaleMs?: number;
  log?: (line: string) => void;
}

export function createService(o: ServiceOptions): Service {
  const listeners = new Set<(e: ApiEvent) => void>();
  const emit = (e: ApiEvent) => {
    for (const l of listeners) l(e);
  };
  const db = openStore(o.home);
  const runs = new RunManager(o.home, db, emit);
  const fleet = o.queue ? new FleetCoordinator(db, o.home, emit, redisAddress(o.queue), { staleAfterMs: o.fleetStaleMs }) : null;
  const ctx: ServiceContext = {
    home: o.home, db, emit, runs, tasks: new TaskManager(o.home, emit),
    dataRoots: o.dataRoots ? confinedTo(o.dataRoots) : UNCONFINED,
    sweeps: new LocalSweepQueue(db, runs, o.localConcurrency ?? Math.max(1, Math.floor(availableParallelism() / 2))),
    fleet,
  };
  // After a restart: sweep runs not finished go back to their executor (the queue ignores runs it already holds).
  ctx.sweeps.add(unfinishedLocalSweepRuns(db));
  fleet?.resumeSweeps().catch((err: Error) => o.log?.(`fleet: cannot queue the unfinished sweep runs: ${err.message}`));
  // The probe loads Dawn and every backend: once per host, in a child process.
  let backends: Promise<BackendsInfo> | null = null;
  const handlers: ApiHandlers = {
    'system.info': () => ({ version: VERSION, home: o.home, shell: o.shell, cpus: availableParallelism(), dataRoots: ctx.dataRoots.roots ? [...ctx.dataRoots.roots] : null,
      queue: fleet?.address.display ?? null,
    }),
    'system.backends': async ({ refresh }) => {
      if (refresh || !backends) backends = probeBackendsInChild();
      // A failed probe is not kept: the next call tries again.
      return backends.catch((err: unknown) => {
        backends = null;
        throw err;
      });
    },
    ...runHandlers(ctx),
    ...datasetHandlers(ctx),
    ...labelHandlers(ctx),
    ...sweepHandlers(ctx),
    ...fleetHandlers(ctx),
    'export.figure': (p) => exportFigure(db, p),
  };
  return {
    handlers,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      await Promise.all([ctx.tasks.dispose(), ctx.runs.dispose(), fleet?.close()]);
      db.close();
    },
  };
}
