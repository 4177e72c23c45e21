/**
 * Datasets and their settings, typed by kind. The store keeps settings as JSON and
 * parses them here when it reads a row, so every reader gets a discriminated union
 * (`d.kind === 'captcha'` narrows `d.settings` to CaptchaSettings), never a cast.
 * Browser-safe: the API contract re-exports the schemas it validates payloads with.
 */
import { z } from 'zod';

export const DATASET_KINDS = ['captcha', 'faces', 'images'] as const;
export type DatasetKind = (typeof DATASET_KINDS)[number];

export const LABEL_STATUSES = ['unlabelled', 'labelled', 'skipped', 'flagged'] as const;
export type LabelStatus = (typeof LABEL_STATUSES)[number];

/**
 * The captcha recognisers a dataset can train:
 *  lenet: the thesis's (SPEC §2) — captchas cut into tiles (equal or projection cuts), a LeNet per tile;
 *  ctc:   segmentation-free — a CNN over the whole captcha, temporal convolutions over its columns, CTC.
 */
export const RECOGNIZER_MODELS = ['lenet', 'ctc'] as const;
export type RecognizerModel = (typeof RECOGNIZER_MODELS)[number];

/** How a scraped captcha becomes character tiles (all configurable per dataset). */
export const captchaSettingsSchema = z.object({
  /** Normalised size: every captcha is resized to width × height grayscale. */
  width: z.number().int().min(4).max(4000),
  height: z.number().int().min(4).max(1000),
  /** Characters per captcha. */
  length: z.number().int().min(1).max(16),
  alphabet: z.string().min(2).max(200),
  /** 'otsu' per image, or a fixed global threshold in [0, 255] as in the thesis. */
  threshold: z.union([z.literal('otsu'), z.number().int().min(0).max(255)]),
  /** 'equal': N equal slices (the thesis); 'projection': cuts at the emptiest columns near the equal cuts. */
  segmentation: z.enum(['equal', 'projection']),
  /**
   * Clean-up before thresholding and cutting, previewed at import (data/captcha-clean.ts): a 3×3
   * median filter (dots, speckle), then removal of ink strokes thinner than N pixels (interference
   * lines; 0 or 1: off). Absent: none, as on datasets imported before it existed.
   */
  preprocess: z.object({ median: z.boolean(), removeStrokesThinnerThan: z.number().int().min(0).max(8) }).optional(),
}).refine((s) => s.width * s.height <= 1_000_000, { message: 'width × height must be at most 1,000,000 pixels', path: ['width'] })
  .refine((s) => new Set(s.alphabet).size === s.alphabet.length, { message: 'the alphabet has repeated characters', path: ['alphabet'] });
export type CaptchaSettings = z.infer<typeof captchaSettingsSchema>;

export const CELEBA_LAYOUT_KINDS = ['official', 'torchvision', 'flattened', 'kaggle-csv', 'zip', 'image-folder'] as const;

/** A face dataset's import state and format (its shards and where a resumed import goes on). */
export const faceSettingsSchema = z.object({
  size: z.union([z.literal(64), z.literal(128)]),
  layout: z.enum(CELEBA_LAYOUT_KINDS),
  imageDir: z.string(),
  recordBytes: z.number().int().positive(),
  attributeNames: z.array(z.string()),
  shards: z.array(z.object({ file: z.string(), records: z.number().int().min(0), sha256: z.string() })),
  /** Files of the sorted list consumed so far (decoded or skipped): where a resume starts. */
  nextFile: z.number().int().min(0),
  totalFiles: z.number().int().min(0),
  complete: z.boolean(),
  /** How each face was framed: documented so models and reports can say it. */
  crop: z.string(),
});
export type FaceSettings = z.infer<typeof faceSettingsSchema>;

/** A folder of images with no further structure (reserved kind: nothing imports it yet). */
export const imageSettingsSchema = z.record(z.string(), z.unknown());

/** A captcha dataset's settings: the cut settings and where its labels came from at import. */
export const captchaDatasetSettingsSchema = z.intersection(captchaSettingsSchema, z.object({
  labels: z.string().optional(),
  /** An import in progress (or cut off) is false; absent on datasets imported before imports could resume. */
  complete: z.boolean().optional(),
  /** Files of the sorted folder listing consumed so far: where a resumed import goes on. */
  nextFile: z.number().int().min(0).optional(),
}));

const SETTINGS_SCHEMAS = { captcha: captchaDatasetSettingsSchema, faces: faceSettingsSchema, images: imageSettingsSchema } as const;
export type DatasetSettingsOf<K extends DatasetKind> = z.infer<(typeof SETTINGS_SCHEMAS)[K]>;

interface DatasetBase {
  id: number;
  name: string;
  sourcePath: string;
  createdAt: string;
  counts: Record<string, number>;
  errors: { file: string; reason: string }[];
}

/** A dataset as recorded, its settings typed by its kind. */
export type DatasetFields = {
  [K in DatasetKind]: DatasetBase & { kind: K; settings: DatasetSettingsOf<K> };
}[DatasetKind];

/** Parses stored settings JSON for a kind; the reason names the field when it does not fit. */
export function parseDatasetSettings<K extends DatasetKind>(kind: K, json: unknown): { ok: true; settings: DatasetSettingsOf<K> } | { ok: false; reason: string } {
  const r = SETTINGS_SCHEMAS[kind].safeParse(json);
  if (r.success) return { ok: true, settings: r.data as DatasetSettingsOf<K> };
  return { ok: false, reason: r.error.issues.map((i) => `${i.path.join('.') || '(settings)'}: ${i.message}`).join('; ') };
}

/** A pre-label this sure is one a person should be able to accept with Enter. */
export const CONFIDENT_READING = 0.9;

/** How a dataset's recognisers have learnt from its labels, and how well their pre-labels served the person typing. */
export interface LabelLearning {
  /** Each recogniser, oldest first: the typed labels it learnt from and the share of its held-out captchas it read whole. */
  curve: { recognizer: number; labels: number; captchaAccuracy: number; createdAt: string }[];
  /** Unlabelled captchas pre-labelled by the latest recogniser; of them, read at ≥ CONFIDENT_READING; their expected right readings (Σ confidence). */
  prelabelled: number;
  confident: number;
  expectedRight: number;
  /** Labelled captchas that had a pre-label at ≥ CONFIDENT_READING; of them, the ones the person typed differently. */
  confidentChecked: number;
  confidentWrong: number;
}


/** A captcha dataset's fitted synthesiser shown beside its real captchas (PNG base64), or why there is none. */
export interface SyntheticPreview {
  real: string[];
  synthetic: { png: string; text: string }[];
  /** One line on the scheme fitted, or why no text was found. */
  scheme: string;
  fitted: boolean;
}

