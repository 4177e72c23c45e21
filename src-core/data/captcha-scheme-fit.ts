/**
 * Fits a synthesiser scheme (captcha-scheme.ts) to a captcha dataset from its own
 * images: size, length and alphabet from its settings; paper and ink grays; where the
 * text sits and how tall it is (ink profiles over rows and columns); the stroke and the
 * bundled font whose rendered ink share matches the real one's; interference lines from
 * ink beside the text. Rotation and jitter are not measured: they keep moderate defaults.
 */
import type { CaptchaSettings } from '../domain/datasets.ts';
import { otsuThreshold } from './captcha-image.ts';
import { BUNDLED_FONTS, renderCaptchas, type CaptchaScheme } from './captcha-scheme.ts';

/** `error`: relative error of the ink share in the text box plus that of the text's height, of the best candidate. */
export type SchemeFit = { scheme: CaptchaScheme; inkShare: number; error: number } | { scheme: null; reason: string };

/** Middle `share` of a mass profile: the indices where its cumulative sum passes (1 − share)/2 and (1 + share)/2. */
function extent(profile: Float64Array, share: number): [number, number] {
  const total = profile.reduce((a, b) => a + b, 0);
  let sum = 0;
  let lo = 0;
  let hi = profile.length - 1;
  let foundLo = false;
  for (let i = 0; i < profile.length; i++) {
    sum += profile[i]!;
    if (!foundLo && sum >= total * (1 - share) / 2) { lo = i; foundLo = true; }
    if (sum >= total * (1 + share) / 2) { hi = i; break; }
  }
  return [lo, hi + 1];
}

interface InkStats {
  paper: number;
  ink: number;
  /** Share of ink per column and per row (means over captchas), each less its least value (lines and noise cross everything). */
  columns: Float64Array;
  rows: Float64Array;
  /** In the columns outside the text: ink pixels per column, and the mean height of a vertical run of ink (a line's width). */
  marginInk: number;
  marginRun: number;
}

const isInk = (v: number, t: number, inkIsDark: boolean) => (inkIsDark ? v <= t : v > t);

/** Ink statistics of captchas [n][W × H] of gray (0 = black), the ink being Otsu's minority side. */
function inkStats(gray: Uint8Array[], width: number, height: number): InkStats {
  const columns = new Float64Array(width);
  const rows = new Float64Array(height);
  const papers: number[] = [];
  const inks: number[] = [];
  const masks: Uint8Array[] = [];
  for (const g of gray) {
    const t = otsuThreshold(g);
    let dark = 0;
    let sumDark = 0;
    let sumLight = 0;
    for (const v of g) if (v <= t) { dark += 1; sumDark += v; } else sumLight += v;
    const inkIsDark = dark <= g.length / 2;
    papers.push(inkIsDark ? sumLight / Math.max(1, g.length - dark) : sumDark / Math.max(1, dark));
    inks.push(inkIsDark ? sumDark / Math.max(1, dark) : sumLight / Math.max(1, g.length - dark));
    const mask = Uint8Array.from(g, (v) => (isInk(v, t, inkIsDark) ? 1 : 0));
    masks.push(mask);
    for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) {
      if (mask[y * width + x]) { columns[x]! += 1 / (height * gray.length); rows[y]! += 1 / (width * gray.length); }
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
  const floor = (p: Float64Array) => { const m = Math.min(...p); return p.map((v) => v - m); };
  const [l, r] = extent(floor(columns), 0.96);
  const marginColumns = [...Array.from({ length: l }, (_, x) => x), ...Array.from({ length: width - r }, (_, i) => r + i)];
  let inkPixels = 0;
  let runs = 0;
  for (const mask of masks) for (const x of marginColumns) {
    for (let y = 0; y < height; y++) {
      if (!mask[y * width + x]) continue;
      inkPixels += 1;
      if (y === 0 || !mask[(y - 1) * width + x]) runs += 1;
    }
  }
  const cells = marginColumns.length * masks.length;
  return {
    paper: median(papers), ink: median(inks), columns: floor(columns), rows: floor(rows),
    marginInk: cells ? inkPixels / cells : 0, marginRun: runs ? inkPixels / runs : 0,
  };
}

/** Share of ink (Otsu) inside the text box of rendered or real captchas. */
function boxInkShare(gray: Uint8Array[], width: number, box: { x0: number; x1: number; y0: number; y1: number }): number {
  let ink = 0;
  let all = 0;
  for (const g of gray) {
    const t = otsuThreshold(g);
    for (let y = box.y0; y < box.y1; y++) for (let x = box.x0; x < box.x1; x++) { all += 1; if (g[y * width + x]! <= t) ink += 1; }
  }
  return ink / Math.max(1, all);
}

/** Stroke widths tried, pixels, and text heights as shares of the em (lower case alone ≈ 0.5, with capitals and ascenders ≈ 0.7). */
const STROKES = [0, 0.5, 1, 1.5, 2.2];
const EMS = [0.5, 0.6, 0.7, 0.8, 0.9];

/**
 * The scheme that draws captchas most like a dataset's (`gray`: its stored captchas, dark ink on
 * light paper as imports store them). No text found (no ink apart from the paper, or
 * none concentrated anywhere): `scheme: null` and why.
 */
export async function fitCaptchaScheme(gray: Uint8Array[], settings: Pick<CaptchaSettings, 'width' | 'height' | 'length' | 'alphabet'>, seed = 0): Promise<SchemeFit> {
  const { width: W, height: H } = settings;
  if (gray.length === 0) return { scheme: null, reason: 'the dataset has no captchas to fit a synthesiser to' };
  const s = inkStats(gray, W, H);
  if (Math.abs(s.paper - s.ink) < 24) return { scheme: null, reason: `no text found: ink (${s.ink.toFixed(0)}) and paper (${s.paper.toFixed(0)}) are almost the same gray` };
  const [x0, x1] = extent(s.columns, 0.96);
  const [y0, y1] = extent(s.rows, 0.9);
  if (x1 - x0 < settings.length * 2 || y1 - y0 < 4) return { scheme: null, reason: `no text found: the ink is not gathered anywhere (${x1 - x0}×${y1 - y0} pixels)` };
  // Lines cross the margins beside the text: a vertical run there is a line's width, its ink per column lines × width.
  const lineWidth = Math.min(5, Math.max(1, s.marginRun));
  // A line that crosses only part of the margins (captcha-kaggle-v2's strike-through) still counts as one.
  const lines = s.marginRun > 0 && s.marginInk / lineWidth >= 0.25 ? Math.min(6, Math.max(1, Math.round(s.marginInk / lineWidth))) : 0;
  const base: CaptchaScheme = {
    width: W, height: H, length: settings.length, alphabet: settings.alphabet, fontSize: y1 - y0,
    left: x0 / W, right: x1 / W, middle: (y0 + y1) / 2 / H, rotation: 10, jitter: 1.5, stroke: 0,
    ink: s.ink, paper: s.paper, lineWidth, lines, dots: 0, font: Object.keys(BUNDLED_FONTS)[0]!,
  };
  const box = { x0, x1, y0, y1 };
  const sample = gray.slice(0, 200);
  const real = { share: boxInkShare(sample, W, box), height: (y1 - y0) / H };
  // The em that gives the real text's height, and the stroke and font that give its ink share, by rendering each candidate.
  let best: { scheme: CaptchaScheme; error: number } | null = null;
  for (const font of Object.keys(BUNDLED_FONTS)) {
    for (const em of EMS) {
      for (const stroke of STROKES) {
        const candidate = { ...base, font, stroke, fontSize: (y1 - y0) / em };
        const rendered = (await renderCaptchas(candidate, 32, seed)).map((c) => c.gray);
        const [ry0, ry1] = extent(inkStats(rendered, W, H).rows, 0.9);
        const error = Math.abs(boxInkShare(rendered, W, box) - real.share) / Math.max(0.05, real.share) + Math.abs((ry1 - ry0) / H - real.height) / real.height;
        if (!best || error < best.error) best = { scheme: candidate, error };
      }
    }
  }
  return { scheme: best!.scheme, inkShare: real.share, error: best!.error };
}

