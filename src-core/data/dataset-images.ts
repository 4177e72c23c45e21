import type { Db } from '../store/open.ts';
import { listCaptchas, type CaptchaRow } from '../store/captchas.ts';
import { getDatasetOfKind } from '../store/datasets.ts';
import { TILE } from '../domain/image-shapes.ts';
import { cutCaptcha, type CaptchaSettings } from './captcha-image.ts';
import type { ImageSet } from './image-set.ts';
import { InvalidInputError } from '../domain/errors.ts';

/** Tiles of captchas [n·length, 20, 20] in captcha order, with class indices (-1 where unlabelled). */
export function tilesOf(captchas: CaptchaRow[], s: CaptchaSettings): { tiles: Float32Array; labels: Int32Array } {
  const per = TILE * TILE;
  const tiles = new Float32Array(captchas.length * s.length * per);
  const labels = new Int32Array(captchas.length * s.length).fill(-1);
  captchas.forEach((c, i) => {
    cutCaptcha(c.pixels, s).tiles.forEach((t, k) => {
      tiles.set(t, (i * s.length + k) * per);
      if (c.label) labels[i * s.length + k] = s.alphabet.indexOf([...c.label][k]!);
    });
  });
  return { tiles, labels };
}

/** The captchas a job trains on: the labelled ones (a recogniser), or all but skipped ones; none is the user's error. */
function trainingCaptchas(db: Db, id: number, labelledOnly: boolean): CaptchaRow[] {
  const captchas = listCaptchas(db, id).filter((c) => (labelledOnly ? c.status === 'labelled' : c.status !== 'skipped'));
  if (captchas.length === 0) throw new InvalidInputError(`dataset ${id} has no ${labelledOnly ? 'labelled ' : ''}captchas`, 'data');
  return captchas;
}

/**
 * A captcha dataset as training images: every captcha's tiles, cut with the
 * dataset's settings. `labelledOnly` keeps captchas with status 'labelled' (the
 * recogniser); otherwise all captchas but skipped ones, labelled when all are.
 */
export function captchaDatasetImages(db: Db, id: number, opts: { labelledOnly: boolean }): ImageSet {
  const d = getDatasetOfKind(db, id, 'captcha');
  const s = d.settings;
  const captchas = trainingCaptchas(db, id, opts.labelledOnly);
  const { tiles, labels } = tilesOf(captchas, s);
  const allLabelled = labels.every((l) => l >= 0);
  return {
    images: tiles, count: labels.length, height: TILE, width: TILE, channels: 1, labels: allLabelled ? labels : null,
    classes: s.alphabet.length, group: s.length,
    description: `${labels.length} tiles of ${captchas.length} captchas from dataset ${id} (${d.name})`, skipped: [],
  };
}

/** A captcha's text as class indices of an alphabet (empty for no label). */
export const textToClasses = (text: string | null, alphabet: string) => Int32Array.from([...(text ?? '')], (ch) => alphabet.indexOf(ch));

/** Whole captchas [n, height, width] as ink in [0, 1] (1 − gray/255 of the stored normalised captcha). */
export function captchaInk(captchas: CaptchaRow[], s: CaptchaSettings): Float32Array {
  const per = s.width * s.height;
  const images = new Float32Array(captchas.length * per);
  captchas.forEach((c, i) => {
    for (let p = 0; p < per; p++) images[i * per + p] = 1 - c.pixels[p]! / 255;
  });
  return images;
}

/**
 * A captcha dataset as whole captchas for the segmentation-free recogniser: images
 * [n, height, width, 1] with ink high (1 − gray/255 of the normalised captcha) and
 * each captcha's text as a class sequence. `labelledOnly` as for tiles.
 */
export function captchaDatasetSequences(db: Db, id: number, opts: { labelledOnly: boolean }): ImageSet {
  const d = getDatasetOfKind(db, id, 'captcha');
  const s = d.settings;
  const captchas = trainingCaptchas(db, id, opts.labelledOnly);
  return {
    images: captchaInk(captchas, s), count: captchas.length, height: s.height, width: s.width, channels: 1, labels: null,
    // Only a typed label is a text: a flagged captcha's doubtful one is not.
    sequences: captchas.map((c) => textToClasses(c.status === 'labelled' ? c.label : null, s.alphabet)), classes: s.alphabet.length,
    description: `${captchas.length} whole captchas from dataset ${id} (${d.name})`, skipped: [],
  };
}
