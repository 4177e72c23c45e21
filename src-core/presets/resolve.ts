import { BATCH_NORM_KINDS, CLIP_POLICIES, COLUMN_WIDTHS, GAN_ARCHITECTURES, GAN_LOSSES, LABEL_JOINS, RECOGNIZER_MODELS, VALIDATION_MEASURES } from './vocabulary.ts';
import { PRESET_IDS, findPreset } from './catalog.ts';
import type { JobConfig } from './types.ts';
import { ConfigError } from '../domain/errors.ts';
import type { SettingValue, Settings } from '../domain/runs.ts';


/** Choices of the string fields that take one of a fixed set. */
export const CHOICES: Record<string, readonly string[]> = {
  architecture: GAN_ARCHITECTURES,
  loss: GAN_LOSSES,
  'clip.policy': CLIP_POLICIES,
  batchNormKind: BATCH_NORM_KINDS,
  labelJoin: LABEL_JOINS,
  model: RECOGNIZER_MODELS,
  validationMeasure: VALIDATION_MEASURES,
  noise: ['uniform', 'normal'],
  'discriminatorOptimizer.kind': ['adam', 'rmsprop'],
  'generatorOptimizer.kind': ['adam', 'rmsprop'],
  'optimizer.kind': ['adam', 'rmsprop'],
  'schedule.kind': ['fixed', 'phased', 'adaptive'],
  'data.source': ['synth-captchas', 'captcha-folder', 'face-folder', 'dataset'],
};

/** Numeric ranges: [min, max, integer?]. Keys ending in a name match it at any depth. */
const RANGES: [RegExp, number, number, boolean][] = [
  [/(^|\.)learningRate$/, 1e-8, 1, false],
  [/(^|\.)beta[12]$/, 0, 0.999999, false],
  [/(^|\.)decay$/, 0, 0.999999, false],
  [/(^|\.)epsilon$/, 0, 1, false],
  [/^batchSize$/, 1, 4096, true],
  [/^steps$/, 1, 10_000_000, true],
  [/^seconds$/, 0, 1e7, false],
  [/^seed$/, 0, 2 ** 32 - 1, true],
  [/^(checkpointEvery|progressEvery)$/, 1, 10_000_000, true],
  [/^sampleEvery$/, 0, 10_000_000, true],
  [/^sampleCount$/, 1, 256, true],
  [/^(evalEvery|histogramEvery)$/, 0, 10_000_000, true],
  [/^evalCount$/, 16, 4096, true],
  [/^evalEverySeconds$/, 0, 1e7, false],
  [/^imageSize$/, 64, 128, true],
  [/^gpWeight$/, 0, 1e4, false],
  [/^clip\.value$/, 1e-6, 100, false],
  [/^validationSplit$/, 0.01, 0.9, false],
  [/^testSplit$/, 0, 0.5, false],
  [/^(patience|reduceLearningRateAfter)$/, 0, 1000, true],
  [/^beamWidth$/, 1, 64, true],
  [/^weightAverage$/, 0, 0.99999, false],
  [/^labelBudget$/, 0, 10_000_000, true],
  [/^selectionValidationCaptchas$/, 0, 10_000_000, true],
  [/^pseudoLabelConfidence$/, 0.01, 1, false],
  [/^pseudoLabelShare$/, 0, 0.95, false],
  [/^synthPretrainSteps$/, 0, 1_000_000, true],
  [/^synthPretrainMaxSteps$/, 0, 1_000_000, true],
  [/^synthCount$/, 64, 100_000, true],
  [/^synthRefinerSteps$/, 0, 100_000, true],
  [/^synthRefinerWeight$/, 0, 1000, false],
  [/(^|\.)(d|g)$/, 0, 100, true],
  [/^schedule\.(iterations|window)$/, 1, 1e7, true],
  [/^schedule\.steadiness$/, 0, 1, false],
  [/^data\.count$/, 1, 1_000_000, true],
  [/^data\.seed$/, 0, 2 ** 32 - 1, true],
];

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function leafKeys(obj: Json, prefix = ''): string[] {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) return [prefix];
  return Object.entries(obj).flatMap(([k, v]) => leafKeys(v, prefix ? `${prefix}.${k}` : k));
}

function parseValue(key: string, raw: SettingValue, current: Json): Json {
  if (typeof raw !== 'string') {
    if (typeof raw !== typeof current) throw ConfigError.inSet(key, `expected ${typeof current === 'object' ? 'a JSON object' : `a ${typeof current}`}, got ${String(raw)}`);
    if (typeof raw === 'number' && !Number.isFinite(raw)) throw ConfigError.inSet(key, `${raw} is not a finite number`);
    return raw;
  }
  if (raw.trim().startsWith('{')) {
    try {
      return JSON.parse(raw) as Json;
    } catch {
      throw ConfigError.inSet(key, `"${raw}" is not valid JSON`);
    }
  }
  if (typeof current === 'number') {
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(n)) throw ConfigError.inSet(key, `"${raw}" is not a number`);
    return n;
  }
  if (typeof current === 'boolean') {
    if (raw !== 'true' && raw !== 'false') throw ConfigError.inSet(key, `expected true or false, got "${raw}"`);
    return raw === 'true';
  }
  return raw;
}

function setPath(obj: Record<string, Json>, path: string[], value: Json): void {
  let node = obj;
  for (const part of path.slice(0, -1)) node = node[part] as Record<string, Json>;
  node[path.at(-1)!] = value;
}

function getPath(obj: Json, path: string[]): Json | undefined {
  let node: Json | undefined = obj;
  for (const part of path) {
    // Own keys only: `in` would also find __proto__, constructor and toString on the prototype.
    if (node === null || typeof node !== 'object' || Array.isArray(node) || !Object.hasOwn(node, part)) return undefined;
    node = (node as Record<string, Json>)[part];
  }
  return node;
}

/** Checks every field of a resolved config against its type, choices and range. */
export function validateConfig(config: JobConfig): void {
  const json = config as unknown as Json;
  for (const key of leafKeys(json)) {
    const value = getPath(json, key.split('.'));
    const choices = CHOICES[key];
    if (choices && !choices.includes(value as string)) {
      throw ConfigError.at(key, `"${String(value)}" is not one of ${choices.join(', ')}`);
    }
    if (typeof value === 'number') {
      const range = RANGES.find(([re]) => re.test(key));
      if (!Number.isFinite(value)) throw ConfigError.at(key, `${value} is not a finite number`);
      if (range) {
        const [, min, max, integer] = range;
        if (value < min || value > max) throw ConfigError.at(key, `${value} is out of range [${min}, ${max}]`);
        if (integer && !Number.isInteger(value)) throw ConfigError.at(key, `${value} must be a whole number`);
      }
    }
  }
  const optimizers = config.kind === 'gan'
    ? { discriminatorOptimizer: config.discriminatorOptimizer, generatorOptimizer: config.generatorOptimizer }
    : { optimizer: config.optimizer };
  for (const [key, o] of Object.entries(optimizers)) checkOptimizer(key, o as { kind: string } & Record<string, unknown>);
  const d = config.data as { source: string; path?: unknown; count?: unknown };
  if ((d.source === 'captcha-folder' || d.source === 'face-folder') && typeof d.path !== 'string') throw ConfigError.at('data', `${d.source} needs a path`);
  if (d.source === 'dataset' && !Number.isInteger((d as { id?: unknown }).id)) throw ConfigError.at('data', 'dataset needs an integer id');
  if (d.source === 'synth-captchas' && typeof d.count !== 'number') throw ConfigError.at('data', 'synth-captchas needs a count');
  if (config.kind === 'recognizer' && !COLUMN_WIDTHS.includes(config.columnWidth)) {
    throw ConfigError.at('columnWidth', `${config.columnWidth} is not one of ${COLUMN_WIDTHS.join(', ')}`);
  }
  if (config.kind === 'gan') {
    if (config.imageSize !== 64 && config.imageSize !== 128) throw ConfigError.at('imageSize', `${config.imageSize} is not one of 64, 128`);
    const s = config.schedule;
    const ratios = s.kind === 'fixed' ? [s.ratio] : s.kind === 'phased' ? [s.first, s.then] : [s.early, s.late];
    if (ratios.some((r) => !r || typeof r.d !== 'number' || typeof r.g !== 'number' || r.d + r.g === 0)) {
      throw ConfigError.at('schedule', 'every ratio needs whole numbers d and g, not both 0');
    }
    if (config.labelConditioned && !config.architecture.startsWith('captcha-dcgan')) {
      throw ConfigError.at('labelConditioned', `only the captcha DCGAN architectures take labels, not ${config.architecture}`);
    }
    if (config.data.source !== 'dataset' && config.architecture.startsWith('celeba') !== (config.data.source === 'face-folder')) {
      throw ConfigError.at('data.source', `${config.data.source} does not fit architecture ${config.architecture}`);
    }
  }
}

/** Fields that describe the preset rather than configure training. */
const NOT_SETTINGS = ['kind', 'preset', 'presetVersion', 'section', 'title'];
/** Tags of tagged unions: changing one alone would leave the wrong fields beside it. */
const isVariantTag = (key: string) => key.endsWith('.kind') || key === 'data.source';
const isSetting = (key: string) => !NOT_SETTINGS.includes(key);

/** The keys `--set` (and the app's form) may change one at a time: every leaf but the preset's names and the variant tags. */
export function editableSettings(presetId: string): string[] {
  const preset = findPreset(presetId);
  if (!preset) throw new ConfigError(`unknown preset "${presetId}"; valid presets: ${PRESET_IDS.join(', ')}`, 'preset', 'unknown preset');
  return leafKeys(preset as unknown as Json).filter((k) => isSetting(k) && !isVariantTag(k));
}

const OPTIMIZER_FIELDS = { adam: ['learningRate', 'beta1', 'beta2', 'epsilon'], rmsprop: ['learningRate', 'decay', 'epsilon'] };

function checkOptimizer(key: string, o: { kind: string } & Record<string, unknown>): void {
  const fields = OPTIMIZER_FIELDS[o.kind as keyof typeof OPTIMIZER_FIELDS];
  if (!fields) throw ConfigError.at(`${key}.kind`, `"${o.kind}" is not one of adam, rmsprop`);
  const missing = fields.filter((f) => typeof o[f] !== 'number');
  if (missing.length) throw ConfigError.at(key, `${o.kind} needs numbers ${missing.join(', ')}`);
}

/**
 * The fully resolved configuration of a run: the preset's values with `key=value`
 * overrides applied (dotted paths; JSON for whole objects), validated.
 */
export function resolveConfig(presetId: string, overrides: Settings = {}): JobConfig {
  const preset = findPreset(presetId);
  if (!preset) throw new ConfigError(`unknown preset "${presetId}"; valid presets: ${PRESET_IDS.join(', ')}`, 'preset', 'unknown preset');
  const config = structuredClone(preset) as unknown as Record<string, Json>;
  const keys = leafKeys(config as Json);
  for (const [key, raw] of Object.entries(overrides)) {
    const path = key.split('.');
    const current = getPath(config as Json, path);
    const isObject = current !== null && typeof current === 'object';
    if (current === undefined || (!keys.includes(key) && !isObject) || NOT_SETTINGS.includes(key)) {
      throw new ConfigError(`unknown setting "${key}" for preset ${presetId}; valid settings: ${keys.filter(isSetting).join(', ')}`, key, 'unknown setting');
    }
    if (isVariantTag(key)) {
      const parent = path.slice(0, -1).join('.');
      const detail = `selects which other fields exist: set the whole object, e.g. --set ${parent}='${JSON.stringify(getPath(config as Json, path.slice(0, -1)))}'`;
      throw new ConfigError(`${key} ${detail}`, key, detail);
    }
    if (isObject && !(typeof raw === 'string' && raw.trim().startsWith('{'))) throw ConfigError.inSet(key, `give a JSON object, e.g. ${JSON.stringify(current)}`);
    setPath(config, path, parseValue(key, raw, current));
  }
  const resolved = config as unknown as JobConfig;
  validateConfig(resolved);
  return resolved;
}
