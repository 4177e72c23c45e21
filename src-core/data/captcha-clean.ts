/**
 * Optional clean-up of a normalised captcha before it is stored, thresholded and cut
 * (dataset setting `preprocess`, previewed at import): a 3×3 median filter against dots
 * and speckle, then removal of ink strokes thinner than N pixels — interference lines —
 * by a morphological opening of the ink with an N×N square: an ink pixel stays only if
 * some N×N square of ink contains it; the others take the paper's shade around them. Characters whose strokes
 * are at least N pixels wide keep their shape; N too large eats them (the preview shows
 * it). Grayscale in, grayscale out: [height × width], 0 = black ink, 255 = paper.
 */
import type { CaptchaSettings } from '../domain/datasets.ts';
import { binarize } from './captcha-image.ts';

/** 3×3 median, edges replicated. */
export function median3(gray: Uint8Array, width: number, height: number): Uint8Array {
  const out = new Uint8Array(gray.length);
  const window = new Uint8Array(9);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let n = 0;
      for (let dy = -1; dy <= 1; dy++) {
        const yy = Math.min(height - 1, Math.max(0, y + dy));
        for (let dx = -1; dx <= 1; dx++) window[n++] = gray[yy * width + Math.min(width - 1, Math.max(0, x + dx))]!;
      }
      window.sort();
      out[y * width + x] = window[4]!;
    }
  }
  return out;
}

/** Summed-area table of a 0/1 mask: [(height+1) × (width+1)], sat[y][x] = the sum over rows < y, columns < x. */
function summedArea(mask: ArrayLike<number>, width: number, height: number): Int32Array {
  const sat = new Int32Array((width + 1) * (height + 1));
  for (let y = 0; y < height; y++) {
    let row = 0;
    for (let x = 0; x < width; x++) {
      row += mask[y * width + x]! > 0 ? 1 : 0;
      sat[(y + 1) * (width + 1) + x + 1] = sat[y * (width + 1) + x + 1]! + row;
    }
  }
  return sat;
}

const boxSum = (sat: Int32Array, w1: number, x0: number, y0: number, x1: number, y1: number) =>
  sat[y1 * w1 + x1]! - sat[y0 * w1 + x1]! - sat[y1 * w1 + x0]! + sat[y0 * w1 + x0]!;

/** The brightest pixel within n of (x, y): the paper around a removed stroke (a background may be shaded). */
function localPaper(gray: Uint8Array, width: number, height: number, x: number, y: number, n: number): number {
  let best = 0;
  for (let yy = Math.max(0, y - n); yy <= Math.min(height - 1, y + n); yy++) {
    for (let xx = Math.max(0, x - n); xx <= Math.min(width - 1, x + n); xx++) best = Math.max(best, gray[yy * width + xx]!);
  }
  return best;
}

/** Opening of the ink (binarised with `threshold`) by an n×n square; ink it removes becomes the paper around it. */
export function removeThinStrokes(gray: Uint8Array, width: number, height: number, n: number, threshold: CaptchaSettings['threshold']): Uint8Array {
  if (n <= 1) return gray;
  const ink = binarize(gray, threshold);
  const inkSat = summedArea(ink, width, height);
  const w1 = width + 1;
  // full[y][x]: the n×n square with top-left (x, y) is all ink.
  const full = new Uint8Array(width * height);
  for (let y = 0; y + n <= height; y++) {
    for (let x = 0; x + n <= width; x++) full[y * width + x] = boxSum(inkSat, w1, x, y, x + n, y + n) === n * n ? 1 : 0;
  }
  const fullSat = summedArea(full, width, height);
  const out = Uint8Array.from(gray);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (!ink[y * width + x]) continue;
      // Kept when a full square starts within the n×n block ending at (x, y).
      const x0 = Math.max(0, x - n + 1);
      const y0 = Math.max(0, y - n + 1);
      if (boxSum(fullSat, w1, x0, y0, x + 1, y + 1) === 0) out[y * width + x] = localPaper(gray, width, height, x, y, n);
    }
  }
  return out;
}

/** The dataset's clean-up (none when `preprocess` is absent or all off). */
export function cleanCaptcha(gray: Uint8Array, s: CaptchaSettings): Uint8Array {
  const p = s.preprocess;
  if (!p) return gray;
  let out = p.median ? median3(gray, s.width, s.height) : gray;
  if (p.removeStrokesThinnerThan > 1) out = removeThinStrokes(out, s.width, s.height, p.removeStrokesThinnerThan, s.threshold);
  return out;
}
