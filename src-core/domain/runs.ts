/**
 * A run as the workbench records it. The statuses are written here once; migration
 * 001's CHECK spells the same list (migrations are frozen history) and a store test
 * holds the two equal.
 */
export const RUN_STATUSES = ['queued', 'running', 'completed', 'stopped', 'failed', 'interrupted'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** Statuses in which some process trains the run (or is about to). */
export const ACTIVE_RUN_STATUSES = ['queued', 'running'] as const satisfies readonly RunStatus[];

/** Where a run trains: 'auto' takes the first that loads of tensorflow (CUDA) → wasm → cpu; 'webgpu' (Dawn) only when chosen. */
/**
 * Settings changed from a preset's defaults, by dotted key (`steps`, `optimizer.lr`): a string as typed
 * after `--set key=value` (JSON for a whole object), or the number or boolean a caller already holds, so
 * `train --steps 500` reaches the run as the number it was parsed to.
 */
export type SettingValue = string | number | boolean;
export type Settings = Readonly<Record<string, SettingValue>>;

export const BACKEND_CHOICES = ['auto', 'tensorflow', 'webgpu', 'wasm', 'cpu'] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];

/** A run's recorded fields: the store's row adds its key, config and backend choice; the API shows these. */
export interface RunFields {
  id: string;
  preset: string;
  status: RunStatus;
  seed: number;
  backend: string | null;
  dataset: string | null;
  createdAt: string;
  startedAt: string | null;
  endedAt: string | null;
  stepsDone: number;
  targetSteps: number;
  wallSeconds: number;
  error: string | null;
  notes: string;
  tags: string[];
  /** The sweep the run belongs to (its id), if any. */
  sweep: string | null;
  /** The fleet worker training it, or that trained it last. */
  worker: string | null;
}
