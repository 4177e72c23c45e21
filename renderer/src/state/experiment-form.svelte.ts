import type { FieldError, PresetCatalog, PresetInfo, RunSummaryRow, SweepInfo } from '../../../src-core/api/contract/types.ts';
import type { BackendChoice } from '../../../src-core/domain/runs.ts';
import { ApiCallError, type ApiClient } from '../lib/api.ts';

export interface Field {
  key: string;
  kind: 'number' | 'boolean' | 'text' | 'choice';
  default: string;
  choices?: readonly string[];
}

/** The form edits the settings the core lists for the preset, except the data, which it picks with its own control. */
const isEditable = (preset: PresetInfo, key: string) => preset.settings.includes(key) && !key.startsWith('data');

function leaves(value: unknown, prefix = ''): [string, unknown][] {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    return Object.entries(value).flatMap(([k, v]) => leaves(v, prefix ? `${prefix}.${k}` : k));
  }
  return [[prefix, value]];
}

/** Where a setting is shown: groups in reading order, each key in the first group whose test matches. */
const GROUPS: { title: string; test: (key: string) => boolean }[] = [
  { title: 'Training', test: (k) => ['steps', 'seconds', 'batchSize', 'seed', 'checkpointEvery', 'progressEvery', 'validationSplit'].includes(k) },
  { title: 'Model and loss', test: (k) => ['architecture', 'imageSize', 'loss', 'gpWeight', 'discriminatorBatchNorm', 'batchNormKind', 'biases', 'labelConditioned', 'labelJoin', 'noise'].includes(k) },
  { title: 'Discriminator optimiser', test: (k) => k.startsWith('discriminatorOptimizer.') },
  { title: 'Generator optimiser', test: (k) => k.startsWith('generatorOptimizer.') },
  { title: 'Optimiser', test: (k) => k.startsWith('optimizer.') },
  { title: 'Critic clipping', test: (k) => k.startsWith('clip.') },
  { title: 'Update schedule', test: (k) => k.startsWith('schedule.') },
  { title: 'Samples and evaluation', test: () => true },
];

export interface FieldGroup {
  title: string;
  /** The variant the group's fields belong to (e.g. "adam", "fixed"), which the form does not change. */
  variant: string | null;
  fields: Field[];
}

/** Fields in their groups, with each group's fixed variant (optimizer kind, schedule kind). */
export function groupFields(fields: Field[], config: Record<string, unknown>): FieldGroup[] {
  const variant = (prefix: string) => {
    const v = (config[prefix] as { kind?: unknown } | undefined)?.kind;
    return typeof v === 'string' ? v : null;
  };
  return GROUPS.map((g) => {
    const inGroup = fields.filter((f) => GROUPS.find((x) => x.test(f.key)) === g);
    const prefix = inGroup[0]?.key.includes('.') ? inGroup[0].key.split('.')[0]! : '';
    return { title: g.title, variant: prefix ? variant(prefix) : null, fields: inGroup };
  }).filter((g) => g.fields.length > 0);
}

/** The editable settings of a preset, typed from their default values. */
export function fieldsOf(preset: PresetInfo, choices: PresetCatalog['choices']): Field[] {
  return leaves(preset.config).filter(([key]) => isEditable(preset, key)).map(([key, v]) => {
    const c = choices[key];
    if (c) return { key, kind: 'choice', default: String(v), choices: c };
    return { key, kind: typeof v === 'number' ? 'number' : typeof v === 'boolean' ? 'boolean' : 'text', default: String(v) };
  });
}

/**
 * A sweep's grid as the form takes it, one setting a line: `clip.value = 0.01, 0.05`.
 * Returns the grid, or the first line it cannot read.
 */
export function parseGridText(text: string): { grid: Record<string, string[]> } | { error: string } {
  const grid: Record<string, string[]> = {};
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (!line) continue;
    const at = line.indexOf('=');
    const key = line.slice(0, at).trim();
    const values = line.slice(at + 1).split(',').map((v) => v.trim()).filter(Boolean);
    if (at <= 0 || !key || values.length === 0) return { error: `line ${i + 1}: write setting = value, value, …` };
    grid[key] = values;
  }
  return { grid };
}

/**
 * The experiment form: a preset, edited settings as strings (what the user typed),
 * the overrides that differ from the preset, the host's inline errors, and start.
 * A run cannot start while any field is invalid.
 */
export class ExperimentForm {
  catalog = $state<PresetCatalog>({ presets: [], choices: {} });
  presetId = $state('');
  values = $state<Record<string, string>>({});
  /** An imported dataset to train on instead of the preset's default data. */
  dataset = $state<number | null>(null);
  errors = $state<FieldError[]>([]);
  validating = $state(false);
  starting = $state(false);
  startError = $state<string | null>(null);
  /** A sweep of this preset: seeds, a grid (one `setting = v1, v2` a line) and where it runs. */
  sweepSeeds = $state(3);
  sweepGrid = $state('');
  sweepExecutor = $state<'local' | 'queue'>('local');
  sweepError = $state<string | null>(null);
  lastSweep = $state<SweepInfo | null>(null);
  private generation = 0;

  parsedGrid = $derived(parseGridText(this.sweepGrid));
  sweepSize = $derived('grid' in this.parsedGrid ? Object.values(this.parsedGrid.grid).reduce((n, v) => n * v.length, 1) * this.sweepSeeds : 0);

  preset = $derived(this.catalog.presets.find((p) => p.preset === this.presetId) ?? null);
  fields = $derived(this.preset ? fieldsOf(this.preset, this.catalog.choices) : []);
  groups = $derived(this.preset ? groupFields(this.fields, this.preset.config) : []);
  overrides = $derived.by(() => {
    const out: Record<string, string> = {};
    for (const f of this.fields) {
      const v = this.values[f.key];
      if (v !== undefined && v !== f.default) out[f.key] = v.trim();
    }
    if (this.dataset !== null) out.data = JSON.stringify({ source: 'dataset', id: this.dataset });
    return out;
  });
  errorFor = $derived((key: string) => this.errors.find((e) => e.key === key)?.message ?? null);
  canStart = $derived(this.preset !== null && this.errors.length === 0 && !this.validating && !this.starting);
  /** Presets grouped by thesis chapter (in chapter order), in catalog order within one. */
  chapters = $derived.by(() => {
    const groups = new Map<string, PresetInfo[]>();
    for (const p of this.catalog.presets) groups.set(p.chapter, [...(groups.get(p.chapter) ?? []), p]);
    return [...groups.entries()].sort(([a], [b]) => Number(a) - Number(b)).map(([chapter, presets]) => ({ chapter, presets }));
  });

  /** `backend`: the backend new runs ask for (the system view's setting; undefined lets the host's ladder choose). */
  constructor(private readonly api: ApiClient, private readonly backend: () => BackendChoice | undefined = () => undefined) {}

  async load(): Promise<void> {
    this.catalog = await this.api.call('presets.list', {});
    if (!this.presetId && this.catalog.presets.length) this.choose(this.catalog.presets.find((p) => p.kind === 'gan')?.preset ?? this.catalog.presets[0]!.preset);
  }

  choose(presetId: string): void {
    this.presetId = presetId;
    this.values = {};
    this.dataset = null;
    this.errors = [];
    this.startError = null;
  }

  set(key: string, value: string): void {
    this.values[key] = value;
  }

  reset(key: string): void {
    delete this.values[key];
  }

  /** Asks the host to resolve the overrides; only the latest answer counts. */
  async validate(): Promise<void> {
    if (!this.preset) return;
    const generation = ++this.generation;
    this.validating = true;
    try {
      const r = await this.api.call('presets.validate', { preset: this.presetId, overrides: this.overrides });
      if (generation === this.generation) this.errors = r.errors;
    } finally {
      if (generation === this.generation) this.validating = false;
    }
  }

  /** Starts a sweep of this preset with the edited settings; its runs appear in the history, grouped. */
  async startSweep(): Promise<SweepInfo | null> {
    if (!this.canStart) return null;
    if ('error' in this.parsedGrid) {
      this.sweepError = this.parsedGrid.error;
      return null;
    }
    this.starting = true;
    this.sweepError = null;
    try {
      this.lastSweep = await this.api.call('sweeps.create', {
        presets: [this.presetId], seeds: this.sweepSeeds, grid: this.parsedGrid.grid, overrides: this.overrides, executor: this.sweepExecutor,
        backend: this.backend(),
      });
      return this.lastSweep;
    } catch (err) {
      // Settings at fault are marked in the form; the executor's problem is the sweep's message.
      const settings = err instanceof ApiCallError ? err.fields.filter((f) => f.key !== 'executor') : [];
      if (settings.length) this.errors = settings;
      this.sweepError = err instanceof Error ? err.message : String(err);
      return null;
    } finally {
      this.starting = false;
    }
  }

  async start(): Promise<RunSummaryRow | null> {
    if (!this.canStart) return null;
    this.starting = true;
    this.startError = null;
    try {
      return await this.api.call('runs.start', { preset: this.presetId, overrides: this.overrides, backend: this.backend() });
    } catch (err) {
      if (err instanceof ApiCallError && err.fields.length) this.errors = err.fields;
      this.startError = err instanceof Error ? err.message : String(err);
      return null;
    } finally {
      this.starting = false;
    }
  }
}
