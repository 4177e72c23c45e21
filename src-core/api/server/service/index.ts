/**
 * The API's implementation over the core: one store connection, runner and task
 * processes for anything slow, one event stream. Used by the Electron main process
 * and by the headless host alike.
 */
import { availableParallelism } from 'node:os';
import { readFileSync } from 'node:fs';
import { openStore } from '../../../store/index.ts';
import { confinedTo, UNCONFINED } from '../../../workbench/data-roots.ts';
import type { ApiHandlers } from '../../contract/methods.ts';
import type { ApiEvent } from '../../contract/events.ts';
import type { ServiceContext } from './context.ts';
import { datasetHandlers } from './dataset-handlers.ts';
import { exportFigure } from './figure.ts';
import { labelHandlers } from './label-handlers.ts';
import { RunManager } from './run-manager.ts';
import { runHandlers } from './runs-handlers.ts';
import { TaskManager } from './task-manager.ts';

const VERSION = (JSON.parse(readFileSync(new URL('../../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

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
export function createService(o: { home: string; shell: 'electron' | 'browser'; dataRoots?: string[] }): Service {
  const listeners = new Set<(e: ApiEvent) => void>();
  const emit = (e: ApiEvent) => {
    for (const l of listeners) l(e);
  };
  const db = openStore(o.home);
  const ctx: ServiceContext = {
    home: o.home, db, emit, runs: new RunManager(o.home, db, emit), tasks: new TaskManager(o.home, emit),
    dataRoots: o.dataRoots ? confinedTo(o.dataRoots) : UNCONFINED,
  };
  const handlers: ApiHandlers = {
    'system.info': () => ({ version: VERSION, home: o.home, shell: o.shell, cpus: availableParallelism(), dataRoots: ctx.dataRoots.roots ? [...ctx.dataRoots.roots] : null }),
    ...runHandlers(ctx),
    ...datasetHandlers(ctx),
    ...labelHandlers(ctx),
    'export.figure': (p) => exportFigure(db, p),
  };
  return {
    handlers,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      await Promise.all([ctx.tasks.dispose(), ctx.runs.dispose()]);
      db.close();
    },
  };
}
