import { CONFIDENT_READING, type LabelLearning, type RecognizerModel } from '../domain/datasets.ts';
import type { Db } from './open.ts';

export interface RecognizerRow {
  id: number;
  dataset: number;
  model: RecognizerModel;
  /** Expected calibration error of its (calibrated) confidences on the held-out captchas (null for recognisers that predate it). */
  calibrationError: number | null;
  /** The same before calibration (null for recognisers that predate it, and for LeNet's). */
  rawCalibrationError?: number | null;
  /** Its scores are divided by this before confidences are read (temperature scaling; 1: uncalibrated). */
  temperature?: number;
  weightsPath: string;
  sha256: string;
  alphabet: string;
  characterAccuracy: number;
  captchaAccuracy: number;
  confusion: number[][];
  trainCaptchas: number;
  validationCaptchas: number;
  /** Typed labels it learnt from, validation's included (null: recognisers from before label budgets, which used every one). */
  labelsUsed?: number | null;
  /** Unlabelled captchas self-training read (null: from before self-training), and how many of them it last pseudo-labelled. */
  unlabelledUsed?: number | null;
  pseudoLabelled?: number | null;
  createdAt: string;
}

interface Raw {
  pk: number; dataset: number; weights_path: string; sha256: string; alphabet: string; character_accuracy: number; captcha_accuracy: number;
  confusion: string; train_captchas: number; validation_captchas: number; created_at: string; model: RecognizerModel; calibration_error: number | null;
  temperature: number; raw_calibration_error: number | null; labels_used: number | null; unlabelled_used: number | null; pseudo_labelled: number | null;
}
const toRow = (r: Raw): RecognizerRow => ({
  id: r.pk, dataset: r.dataset, model: r.model, calibrationError: r.calibration_error, weightsPath: r.weights_path, sha256: r.sha256, alphabet: r.alphabet, characterAccuracy: r.character_accuracy,
  captchaAccuracy: r.captcha_accuracy, confusion: JSON.parse(r.confusion) as number[][], trainCaptchas: r.train_captchas,
  validationCaptchas: r.validation_captchas, createdAt: r.created_at, temperature: r.temperature, rawCalibrationError: r.raw_calibration_error,
  labelsUsed: r.labels_used, unlabelledUsed: r.unlabelled_used, pseudoLabelled: r.pseudo_labelled,
});

export function insertRecognizer(db: Db, r: Omit<RecognizerRow, 'id' | 'createdAt'>): RecognizerRow {
  const info = db.prepare(`INSERT INTO recognizers (dataset, model, weights_path, sha256, alphabet, character_accuracy, captcha_accuracy, confusion,
    train_captchas, validation_captchas, calibration_error, created_at, temperature, raw_calibration_error, labels_used, unlabelled_used, pseudo_labelled)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(r.dataset, r.model, r.weightsPath, r.sha256,
    r.alphabet, r.characterAccuracy, r.captchaAccuracy, JSON.stringify(r.confusion), r.trainCaptchas, r.validationCaptchas, r.calibrationError, new Date().toISOString(),
    r.temperature ?? 1, r.rawCalibrationError ?? null, r.labelsUsed ?? null, r.unlabelledUsed ?? null, r.pseudoLabelled ?? null);
  return getRecognizer(db, Number(info.lastInsertRowid));
}

export function getRecognizer(db: Db, id: number): RecognizerRow {
  const r = db.prepare('SELECT * FROM recognizers WHERE pk = ?').get(id) as Raw | undefined;
  if (!r) throw new Error(`unknown recogniser ${id}`);
  return toRow(r);
}

/** The dataset's most recently trained recogniser (of one model, if given), or null. */
export function latestRecognizer(db: Db, dataset: number, model?: RecognizerModel): RecognizerRow | null {
  const r = (model
    ? db.prepare('SELECT * FROM recognizers WHERE dataset = ? AND model = ? ORDER BY pk DESC LIMIT 1').get(dataset, model)
    : db.prepare('SELECT * FROM recognizers WHERE dataset = ? ORDER BY pk DESC LIMIT 1').get(dataset)) as Raw | undefined;
  return r ? toRow(r) : null;
}

export function savePredictions(db: Db, recognizer: number, rows: { captcha: number; label: string; confidence: number }[]): void {
  const stmt = db.prepare('INSERT OR REPLACE INTO predictions (captcha, recognizer, label, confidence) VALUES (?, ?, ?, ?)');
  db.transaction(() => {
    for (const r of rows) stmt.run(r.captcha, recognizer, r.label, r.confidence);
  })();
}

export function predictionFor(db: Db, captcha: number): { label: string; confidence: number; recognizer: number } | null {
  return (db.prepare('SELECT label, confidence, recognizer FROM predictions WHERE captcha = ? ORDER BY recognizer DESC LIMIT 1').get(captcha) as
    { label: string; confidence: number; recognizer: number } | undefined) ?? null;
}

export function saveMislabelScores(db: Db, dataset: number, rows: { captcha: number; score: number; suggested: string }[]): void {
  const now = new Date().toISOString();
  db.transaction(() => {
    db.prepare('DELETE FROM mislabel_scores WHERE dataset = ?').run(dataset);
    const stmt = db.prepare('INSERT INTO mislabel_scores (captcha, dataset, score, suggested, computed_at) VALUES (?, ?, ?, ?, ?)');
    for (const r of rows) stmt.run(r.captcha, dataset, r.score, r.suggested, now);
  })();
}

/** The "likely mislabelled" queue: highest scores first, with the captcha's current label. */
export function mislabelQueue(db: Db, dataset: number, limit = 50): { captcha: number; file: string; label: string | null; suggested: string; score: number }[] {
  return db.prepare(`SELECT m.captcha, c.file, c.label, m.suggested, m.score FROM mislabel_scores m JOIN captchas c ON c.pk = m.captcha
    WHERE m.dataset = ? AND c.status = 'labelled' AND c.label <> m.suggested ORDER BY m.score DESC LIMIT ?`).all(dataset, limit) as
    { captcha: number; file: string; label: string | null; suggested: string; score: number }[];
}


export function labelLearning(db: Db, dataset: number): LabelLearning {
  const curve = (db.prepare(`SELECT pk, COALESCE(labels_used, train_captchas + validation_captchas) AS labels, captcha_accuracy, created_at
    FROM recognizers WHERE dataset = ? ORDER BY pk`).all(dataset) as { pk: number; labels: number; captcha_accuracy: number; created_at: string }[])
    .map((r) => ({ recognizer: r.pk, labels: r.labels, captchaAccuracy: r.captcha_accuracy, createdAt: r.created_at }));
  // A captcha's pre-label is its newest recogniser's prediction; recognisers pre-label only unlabelled captchas, so a
  // labelled one's prediction was made before the person typed its label.
  const latest = `JOIN predictions p ON p.captcha = c.pk AND p.recognizer = (SELECT max(q.recognizer) FROM predictions q WHERE q.captcha = c.pk)`;
  const open = db.prepare(`SELECT count(*) AS n, COALESCE(sum(p.confidence >= ?), 0) AS confident, COALESCE(sum(p.confidence), 0) AS expected
    FROM captchas c ${latest} WHERE c.dataset = ? AND c.status = 'unlabelled'`).get(CONFIDENT_READING, dataset) as { n: number; confident: number; expected: number };
  const typed = db.prepare(`SELECT count(*) AS n, COALESCE(sum(p.label <> c.label), 0) AS wrong
    FROM captchas c ${latest} WHERE c.dataset = ? AND c.status = 'labelled' AND p.confidence >= ?`).get(dataset, CONFIDENT_READING) as { n: number; wrong: number };
  return { curve, prelabelled: open.n, confident: open.confident, expectedRight: open.expected, confidentChecked: typed.n, confidentWrong: typed.wrong };
}
