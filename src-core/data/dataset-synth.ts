/** A captcha dataset's fitted synthesiser: the scheme fitted to its stored captchas, and captchas drawn by it as the dataset stores them. */
import { getDatasetOfKind } from '../store/datasets.ts';
import { listCaptchas } from '../store/captchas.ts';
import type { Db } from '../store/open.ts';
import { cleanCaptcha } from './captcha-clean.ts';
import { fitCaptchaScheme, type SchemeFit } from './captcha-scheme-fit.ts';
import { renderCaptchas, type RenderedCaptcha } from './captcha-scheme.ts';
import type { ImageSet } from './image-set.ts';

/** Captchas a fit reads: enough for its profiles, few enough to take seconds. */
const FIT_SAMPLE = 400;

/** The scheme fitted to a dataset's captchas (all of them, labelled or not: only images are read). */
export async function fitDatasetScheme(db: Db, datasetId: number): Promise<SchemeFit> {
  const d = getDatasetOfKind(db, datasetId, 'captcha');
  const captchas = listCaptchas(db, datasetId).filter((c) => c.status !== 'skipped');
  const step = Math.max(1, Math.floor(captchas.length / FIT_SAMPLE));
  return fitCaptchaScheme(captchas.filter((_, i) => i % step === 0).map((c) => c.pixels), d.settings);
}

/** `count` captchas of a dataset's fitted synthesiser, cleaned as its imports are (or why there are none). */
export async function datasetSynthCaptchas(db: Db, datasetId: number, count: number, seed: number): Promise<{ captchas: RenderedCaptcha[]; fit: SchemeFit } | { captchas: null; fit: SchemeFit }> {
  const fit = await fitDatasetScheme(db, datasetId);
  if (!fit.scheme) return { captchas: null, fit };
  const s = getDatasetOfKind(db, datasetId, 'captcha').settings;
  return { captchas: (await renderCaptchas(fit.scheme, count, seed)).map((c) => ({ text: c.text, gray: cleanCaptcha(c.gray, s) })), fit };
}

/**
 * Gives an image set of a dataset's whole captchas the fitted synthesiser's captchas to pretrain on.
 * Returns a warning when the fit found no text (the set then trains on its real captchas only).
 */
export async function attachFittedSynthetic(db: Db, datasetId: number, set: ImageSet, count: number, seed: number): Promise<string | null> {
  const r = await datasetSynthCaptchas(db, datasetId, count, seed);
  if (!r.captchas) return `no synthetic pretraining: ${r.fit.scheme === null ? r.fit.reason : ''}; training on the real captchas only`;
  const s = getDatasetOfKind(db, datasetId, 'captcha').settings;
  const per = s.width * s.height;
  const images = new Float32Array(count * per);
  r.captchas.forEach((c, i) => { for (let p = 0; p < per; p++) images[i * per + p] = 1 - c.gray[p]! / 255; });
  const f = r.fit.scheme!;
  set.synthetic = {
    images, count, sequences: r.captchas.map((c) => Int32Array.from([...c.text], (ch) => s.alphabet.indexOf(ch))),
    description: `${count} captchas of a synthesiser fitted to the dataset (${f.font}, ${f.fontSize.toFixed(0)} px, stroke ${f.stroke}, ${f.lines} lines; seed ${seed})`,
  };
  return null;
}
