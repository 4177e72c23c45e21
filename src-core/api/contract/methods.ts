/**
 * The API contract: every call the UI makes, with its payload schema (validated at
 * the boundary by zod) and its result type. The Electron IPC binding, the headless
 * host and the renderer's client are all generic over this one object; a method
 * name is written here and nowhere else.
 */
import { z } from 'zod';
import { captchaSettingsSchema, RECOGNIZER_MODELS, type SyntheticPreview } from '../../domain/datasets.ts';
import { BACKEND_CHOICES, RUN_STATUSES } from '../../domain/runs.ts';
import type {
  CaptchaItem, ConfigDifference, Crossing, DatasetInfo, FieldError, FigureExport, LabelProgress, MislabelEntry, PresetCatalog,
  RunDetail, RunSummaryRow, Series, SweepDetail, SweepInfo, SystemInfo, BackendsInfo, TaskInfo, FleetClaim,
} from './types.ts';

/** A method: its payload schema and (as a type only) its result. */
interface Method<I extends z.ZodType, O> {
  input: I;
  /** Never read: carries the result type. */
  output?: O;
}
const method = <O>() => <I extends z.ZodType>(input: I): Method<I, O> => ({ input });

const runId = z.string().min(1).max(200);
const runIds = z.array(runId).min(1).max(20);
const datasetId = z.number().int().positive();
const captchaId = z.number().int().positive();
const overrides = z.record(z.string().max(100), z.string().max(10_000));
const metricKey = z.string().min(1).max(100);
const xAxis = z.enum(['step', 'seconds']);
const folder = z.string().min(1).max(4096);
const sweepId = z.string().min(1).max(200);
const workerName = z.string().min(1).max(200);
const sha256 = z.string().regex(/^[0-9a-f]{64}$/);
/** A chunk of a file, base64: at most 2 MiB of bytes, so a call stays under the host's 4 MiB body limit. */
const chunk = z.string().max(Math.ceil((2 * 1024 * 1024) / 3) * 4);
const metricPoint = z.object({ key: metricKey, step: z.number().int().min(0), seconds: z.number().min(0), value: z.number() });


export const API = {
  'system.info': method<SystemInfo>()(z.object({})),
  /** The backend ladder on this machine (probed once in a child process; `refresh` probes again). */
  'system.backends': method<BackendsInfo>()(z.object({ refresh: z.boolean().default(false) })),

  'presets.list': method<PresetCatalog>()(z.object({})),
  /** Resolves a preset with overrides; field errors instead of a config when invalid. */
  'presets.validate': method<{ config: Record<string, unknown> | null; errors: FieldError[] }>()(
    z.object({ preset: z.string().min(1), overrides }),
  ),

  'runs.start': method<RunSummaryRow>()(z.object({
    preset: z.string().min(1), overrides, backend: z.enum(BACKEND_CHOICES).optional(),
  })),
  'runs.stop': method<{ stopping: boolean }>()(z.object({ run: runId })),
  'runs.resume': method<RunSummaryRow>()(z.object({ run: runId, steps: z.number().int().positive().max(10_000_000).optional() })),
  'runs.list': method<{ runs: RunSummaryRow[]; total: number }>()(z.object({
    preset: z.string().optional(),
    sweep: sweepId.optional(),
    status: z.enum(RUN_STATUSES).optional(),
    tag: z.string().optional(),
    text: z.string().max(200).optional(),
    since: z.string().optional(),
    until: z.string().optional(),
    metric: metricKey.optional(),
    sort: z.enum(['created', 'preset', 'status', 'steps', 'best', 'last']).optional(),
    descending: z.boolean().optional(),
    limit: z.number().int().min(1).max(1000).default(200),
    offset: z.number().int().min(0).default(0),
  })),
  'runs.get': method<RunDetail>()(z.object({ run: runId })),
  'runs.update': method<RunSummaryRow>()(z.object({
    run: runId, notes: z.string().max(100_000).optional(),
    addTags: z.array(z.string().trim().min(1).max(100)).max(50).optional(),
    removeTags: z.array(z.string().max(100)).max(50).optional(),
  })),
  'runs.delete': method<{ deleted: string }>()(z.object({ run: runId })),
  /** Display series (≤ maxPoints per run and key, shape-preserving downsampling). */
  'runs.series': method<Series[]>()(z.object({
    runs: runIds, keys: z.array(metricKey).min(1).max(20), x: xAxis.default('step'),
    maxPoints: z.number().int().min(10).max(20_000).default(2000),
  })),
  'runs.sample': method<{ step: number; seconds: number; png: string } | null>()(z.object({
    run: runId, step: z.number().int().min(0).optional(),
  })),
  'runs.configDiff': method<ConfigDifference[]>()(z.object({ runs: runIds })),
  'runs.timeToQuality': method<(Crossing | null)[]>()(z.object({
    runs: runIds, metric: metricKey, threshold: z.number().finite(), window: z.number().int().min(1).max(100).default(3),
  })),

  'datasets.list': method<DatasetInfo[]>()(z.object({})),
  'datasets.get': method<DatasetInfo>()(z.object({ dataset: datasetId })),
  /** Captchas of the synthesiser fitted to a captcha dataset beside its real ones (PNG base64), or why none could be fitted. */
  'datasets.syntheticPreview': method<SyntheticPreview>()(z.object({ dataset: datasetId, count: z.number().int().min(1).max(24).default(6) })),
  /** The first image of a folder cut as the import would cut it (PNG base64), before importing. */
  'datasets.previewCaptchaFolder': method<{ file: string; index: number; png: string; files: number; unreadable: string[] }>()(z.object({
    folder, settings: captchaSettingsSchema, index: z.number().int().min(0).default(0),
  })),
  'datasets.importCaptchas': method<TaskInfo>()(z.object({
    folder, settings: captchaSettingsSchema, labelsFromFilenames: z.boolean().default(false),
    labelsFile: z.string().max(4096).optional(), name: z.string().max(200).optional(),
  })),
  'datasets.synthCaptchas': method<TaskInfo>()(z.object({ count: z.number().int().min(1).max(100_000), seed: z.number().int().min(0).default(1) })),
  'datasets.importCeleba': method<TaskInfo>()(z.object({ folder, size: z.union([z.literal(64), z.literal(128)]).default(64) })),
  'tasks.cancel': method<{ cancelled: boolean }>()(z.object({ task: z.string().min(1) })),

  'labels.item': method<CaptchaItem | null>()(z.object({
    dataset: datasetId,
    /** A specific captcha, or the next one in `queue` after `after` (ordinal). */
    captcha: captchaId.optional(),
    /** 'least-confident': unlabelled captchas, the recogniser's least confident reading first. */
    queue: z.enum(['unlabelled', 'least-confident', 'flagged', 'skipped', 'all']).default('unlabelled'),
    after: z.number().int().min(-1).default(-1),
  })),
  'labels.save': method<{ item: CaptchaItem; progress: LabelProgress }>()(z.object({ captcha: captchaId, label: z.string().min(1).max(64) })),
  'labels.mark': method<{ item: CaptchaItem; progress: LabelProgress }>()(z.object({
    captcha: captchaId, status: z.enum(['skipped', 'flagged', 'unlabelled']),
  })),
  'labels.undo': method<{ item: CaptchaItem | null; progress: LabelProgress }>()(z.object({ dataset: datasetId })),
  'labels.redo': method<{ item: CaptchaItem | null; progress: LabelProgress }>()(z.object({ dataset: datasetId })),
  'labels.progress': method<LabelProgress>()(z.object({ dataset: datasetId })),
  'labels.mislabels': method<MislabelEntry[]>()(z.object({ dataset: datasetId, limit: z.number().int().min(1).max(500).default(50) })),

  /** `model`: 'ctc' (segmentation-free, the default) or 'lenet' (the thesis's, on cut tiles). */
  'recognizer.train': method<RunSummaryRow>()(z.object({ dataset: datasetId, overrides: overrides.default({}), model: z.enum(RECOGNIZER_MODELS).default('ctc') })),
  'recognizer.prelabel': method<TaskInfo>()(z.object({ dataset: datasetId })),
  /** Out-of-fold mislabel search; steps per fold default to the model's (MISLABEL_STEPS). */
  'recognizer.findMislabels': method<TaskInfo>()(z.object({
    dataset: datasetId, folds: z.number().int().min(2).max(10).default(4), steps: z.number().int().min(10).max(100_000).optional(),
    model: z.enum(RECOGNIZER_MODELS).default('ctc'),
  })),

  /**
   * A sweep: presets × every combination of `grid` × `seeds`, run by `executor` —
   * 'local' (this machine, `concurrency` at a time) or 'queue' (the host's Redis queue: fleet workers).
   */
  'sweeps.create': method<SweepInfo>()(z.object({
    presets: z.array(z.string().min(1)).min(1).max(50),
    grid: z.record(z.string().max(100), z.array(z.string().max(1000)).min(1).max(100)).default({}),
    seeds: z.number().int().min(1).max(100).default(1),
    overrides: overrides.default({}),
    executor: z.enum(['local', 'queue']).default('local'),
    name: z.string().max(200).optional(),
    backend: z.enum(BACKEND_CHOICES).optional(),
  })),
  'sweeps.list': method<SweepInfo[]>()(z.object({})),
  /** A sweep with its runs and, for `metric`, each configuration's median and spread across seeds. */
  'sweeps.get': method<SweepDetail>()(z.object({ sweep: sweepId, metric: metricKey.optional() })),
  /** Stops a sweep: queued runs are withdrawn, running ones stop after their next checkpoint. */
  'sweeps.cancel': method<{ cancelled: number; stopping: number }>()(z.object({ sweep: sweepId })),

  /** Fleet workers (authenticated by the host's token): take a run, report on it, move its files. */
  'fleet.claim': method<FleetClaim>()(z.object({ run: runId, worker: workerName })),
  'fleet.report': method<{ stop: boolean }>()(z.object({
    run: runId, worker: workerName,
    metrics: z.array(metricPoint).max(100_000).default([]),
    progress: z.object({ step: z.number().int().min(0), seconds: z.number().min(0) }).optional(),
    /** Run events to show live (progress, warnings, notes). */
    events: z.array(z.record(z.string(), z.unknown())).max(1000).default([]),
    samples: z.array(z.object({ step: z.number().int().min(0), seconds: z.number().min(0), png: chunk })).max(20).default([]),
    /** The run ended on the worker: how. `final` false: the queue will retry it. */
    end: z.object({ status: z.enum(['completed', 'stopped', 'failed']), error: z.string().max(4000).optional(), final: z.boolean() }).optional(),
  })),
  /** A checkpoint upload, resumable: each chunk at `offset`; the answer says how many bytes the coordinator holds. */
  'fleet.upload': method<{ received: number; done: boolean }>()(z.object({
    run: runId, worker: workerName, step: z.number().int().min(0), sha256, bytes: z.number().int().min(1).max(4 * 1024 ** 3),
    offset: z.number().int().min(0), data: chunk,
  })),
  /** A slice of the run's checkpoint or of a dataset's bundle. */
  'fleet.download': method<{ data: string; bytes: number; sha256: string }>()(z.object({
    what: z.enum(['checkpoint', 'dataset']), run: runId.optional(), dataset: datasetId.optional(),
    offset: z.number().int().min(0), length: z.number().int().min(1).max(2 * 1024 * 1024),
  })),

  /** A publication figure of metric curves: SVG (the renderer rasterises PNG from it) and the plotted data as CSV. */
  'export.figure': method<FigureExport>()(z.object({
    runs: runIds, keys: z.array(metricKey).min(1).max(10), x: xAxis.default('step'),
    /** Exponential moving average weight in [0, 1): 0 = raw. */
    smoothing: z.number().min(0).max(0.999).default(0),
    title: z.string().max(200).default(''),
    width: z.number().int().min(200).max(4000).default(1200),
    height: z.number().int().min(150).max(3000).default(750),
    /** Sample grids of these runs at the step nearest `sampleStep`, beside the plot. */
    sampleStep: z.number().int().min(0).optional(),
  })),
} as const;

export type Api = typeof API;
export type MethodName = keyof Api;
export const METHOD_NAMES = Object.keys(API) as MethodName[];
/** What the caller passes (defaults optional). */
export type MethodInput<M extends MethodName> = z.input<Api[M]['input']>;
/** What the handler receives (validated, defaults applied). */
export type MethodParams<M extends MethodName> = z.output<Api[M]['input']>;
export type MethodOutput<M extends MethodName> = Exclude<Api[M]['output'], undefined>;

/** The service implements every method. */
export type ApiHandlers = { [M in MethodName]: (params: MethodParams<M>) => Promise<MethodOutput<M>> | MethodOutput<M> };

export const isMethodName = (name: unknown): name is MethodName => typeof name === 'string' && Object.hasOwn(API, name);
