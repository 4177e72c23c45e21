/**
 * The API's data shapes: plain JSON, no Node or DOM types, so the renderer can
 * import them. Records are defined once in src-core/domain and derived here.
 */
import type { RunFields } from '../../domain/runs.ts';
import type { SweepGroup } from '../../domain/sweeps.ts';
import type { CaptchaSettings, DatasetFields, LabelLearning, LabelStatus } from '../../domain/datasets.ts';

export type { LabelLearning, SyntheticPreview } from '../../domain/datasets.ts';
export type { BackendRung, BackendsInfo, GpuAdapterInfo } from '../../domain/backends.ts';
export type { SweepGroup } from '../../domain/sweeps.ts';
export type { FleetClaim } from '../../domain/fleet.ts';
export type { FigureExport } from '../../domain/figures.ts';

export { ACTIVE_RUN_STATUSES, RUN_STATUSES, type RunStatus, type RunFields } from '../../domain/runs.ts';
export { LABEL_STATUSES, type LabelStatus, type CaptchaSettings, type FaceSettings, type DatasetFields } from '../../domain/datasets.ts';

export interface PresetInfo {
  preset: string;
  section: string;
  title: string;
  kind: 'gan' | 'recognizer';
  /** Chapter of the thesis ("4", "5", …), for grouping. */
  chapter: string;
  config: Record<string, unknown>;
  /** The dotted keys a run may override (the core decides; the form shows these). */
  settings: string[];
}

export interface PresetCatalog {
  presets: PresetInfo[];
  /** The allowed values of the settings that take one of a fixed set, by dotted key. */
  choices: Record<string, readonly string[]>;
}

export interface FieldError {
  key: string;
  message: string;
}

export interface RunSummaryRow extends RunFields {
  /** The lowest and the last value of the metric the list was asked about. */
  best: number | null;
  last: number | null;
  /** The version of its preset the run was made with (1 for runs older than versioning). */
  presetVersion: number;
  /** What changed in the preset since that version ("v2: …"); empty when the run is current. */
  presetChanges: string[];
}

export interface RunDetail extends RunSummaryRow {
  config: Record<string, unknown>;
  metrics: { key: string; count: number; last: number; min: number; max: number }[];
  samples: { step: number; seconds: number }[];
  /** True while a runner process of this app drives it. */
  active: boolean;
}

export interface Point {
  step: number;
  seconds: number;
  value: number;
}

export interface Series {
  run: string;
  key: string;
  points: Point[];
}

export interface ConfigDifference {
  key: string;
  values: unknown[];
}

export interface Crossing {
  run: string;
  step: number;
  seconds: number;
  value: number;
}

export type DatasetInfo = DatasetFields & {
  labels: Record<LabelStatus | 'total', number> | null;
  recognizer: { id: number; characterAccuracy: number; captchaAccuracy: number; validationCaptchas: number } | null;
};

/** The captcha settings a form edits (the domain's type; kept under the name the UI uses). */
export type CaptchaSettingsInput = CaptchaSettings;

export interface CaptchaItem {
  id: number;
  dataset: number;
  ordinal: number;
  file: string;
  label: string | null;
  status: LabelStatus;
  /** The captcha as imported (normalised), PNG, base64. */
  image: string;
  /** The captcha at 4× with its ink and the cut lines, PNG, base64. */
  cut: string;
  suggestion: { label: string; confidence: number } | null;
  length: number;
  alphabet: string;
}

export interface LabelProgress {
  counts: Record<LabelStatus | 'total', number>;
  learning: LabelLearning;
}

export interface MislabelEntry {
  captcha: number;
  file: string;
  label: string | null;
  suggested: string;
  score: number;
}

export interface TaskInfo {
  task: string;
  kind: 'import-captchas' | 'import-celeba' | 'prelabel' | 'mislabels';
}

export interface SystemInfo {
  version: string;
  home: string;
  shell: 'electron' | 'browser';
  cpus: number;
  /** The folders whose paths calls may name (a host's --data-root and home); null: any (the desktop app). */
  dataRoots: string[] | null;
  /** The Redis queue this host coordinates a fleet on (no password), or null. */
  queue: string | null;
}

/** A sweep: what it runs, where, and how far it has got. */
export interface SweepInfo {
  id: string;
  name: string;
  spec: { presets: string[]; grid: Record<string, string[]>; seeds: number; overrides: Record<string, string> };
  /** 'local' or the Redis queue's address (no password). */
  executor: string;
  createdAt: string;
  counts: Partial<Record<RunFields['status'], number>>;
  total: number;
}

export interface SweepDetail extends SweepInfo {
  runs: RunSummaryRow[];
  metric: string | null;
  groups: SweepGroup[];
}

