import type { Db } from '../../../workbench/home.ts';
import type { DataRoots } from '../../../workbench/data-roots.ts';
import type { FleetCoordinator } from '../../../fleet/coordinator.ts';
import type { LocalSweepQueue } from './local-sweeps.ts';
import type { ApiEvent } from '../../contract/events.ts';
import type { RunManager } from './run-manager.ts';
import type { TaskManager } from './task-manager.ts';

/** What every group of handlers shares: the home, one store connection, the event stream, the process managers. */
export interface ServiceContext {
  home: string;
  db: Db;
  emit: (e: ApiEvent) => void;
  runs: RunManager;
  tasks: TaskManager;
  /** The paths calls may name (a host confines them; the desktop app does not). */
  dataRoots: DataRoots;
  /** Sweep runs waiting for this machine. */
  sweeps: LocalSweepQueue;
  /** The fleet this host coordinates (`serve --queue`), if any. */
  fleet: FleetCoordinator | null;
}
