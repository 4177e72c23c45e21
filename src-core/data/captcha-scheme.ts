/**
 * A captcha scheme the synthesiser draws: any size, length and alphabet, gray ink on
 * gray paper, glyph size, place, stroke and rotation, interference lines and dots.
 * What `fitCaptchaScheme` (captcha-scheme-fit.ts) estimates from a dataset, and what
 * the benchmarks' hard scheme is. Rendering is seeded and deterministic.
 */
import { readFileSync } from 'node:fs';
import { projectPath } from '../util/core-bundle.mjs';
import opentype from 'opentype.js';
import sharp from 'sharp';
import { Rng } from '../util/rng.ts';

export interface CaptchaScheme {
  width: number;
  height: number;
  length: number;
  alphabet: string;
  /** Em size of the glyphs, pixels. */
  fontSize: number;
  /** Where the text starts and ends, as shares of the width. */
  left: number;
  right: number;
  /** The text's vertical centre, as a share of the height. */
  middle: number;
  /** Max rotation of a glyph, degrees, and max offset from its slot's centre, pixels. */
  rotation: number;
  jitter: number;
  /** Outline added around each glyph in ink, pixels (0: the font's own weight). */
  stroke: number;
  /** Gray levels 0–255 of the ink and the paper. */
  ink: number;
  paper: number;
  /** Interference lines across the captcha, their width in pixels, and dots of ink. */
  lines: number;
  lineWidth: number;
  dots: number;
  /** Bundled font it draws with (BUNDLED_FONTS). */
  font: string;
}

/** Fonts shipped in assets/fonts (SIL OFL 1.1, assets/fonts/OFL.txt). */
export const BUNDLED_FONTS: Record<string, string> = {
  'source-code-pro-bold': 'SourceCodePro-Bold.woff',
};

const fonts = new Map<string, opentype.Font>();
export function loadBundledFont(name: string): opentype.Font {
  const file = BUNDLED_FONTS[name];
  if (!file) throw new Error(`no bundled font "${name}"; bundled: ${Object.keys(BUNDLED_FONTS).join(', ')}`);
  let f = fonts.get(name);
  if (!f) {
    const buf = readFileSync(projectPath('assets', 'fonts', file));
    f = opentype.parse(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer);
    fonts.set(name, f);
  }
  return f;
}

/**
 * The benchmarks' hard scheme, like the real one tried in issue 30: 4 case-sensitive
 * characters over 56 symbols (no 0/O/o, 1/I/l), interference lines, 90×32.
 */
export const HARD_SCHEME: CaptchaScheme = {
  width: 90, height: 32, length: 4, alphabet: '23456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz',
  fontSize: 22, left: 0.08, right: 0.92, middle: 0.5, rotation: 18, jitter: 2, stroke: 0.4, ink: 40, paper: 230,
  lines: 3, lineWidth: 1.2, dots: 30, font: 'source-code-pro-bold',
};

export interface RenderedCaptcha {
  text: string;
  /** Gray pixels [height × width], 0 = black, as an import stores them. */
  gray: Uint8Array;
}

const gray = (v: number) => { const h = Math.round(Math.min(255, Math.max(0, v))).toString(16).padStart(2, '0'); return `#${h}${h}${h}`; };

/** SVG of one captcha drawn at vertical offset `top`, and its text. */
function captchaSvg(s: CaptchaScheme, rng: Rng, top: number): { svg: string; text: string } {
  const f = loadBundledFont(s.font);
  const x0 = s.left * s.width;
  const slot = ((s.right - s.left) * s.width) / s.length;
  const cy = top + s.middle * s.height;
  let text = '';
  const parts: string[] = [];
  for (let i = 0; i < s.length; i++) {
    const ch = s.alphabet[rng.int(s.alphabet.length)]!;
    text += ch;
    const glyph = f.charToGlyph(ch);
    const advance = ((glyph.advanceWidth ?? f.unitsPerEm * 0.6) / f.unitsPerEm) * s.fontSize;
    const cx = x0 + slot * i + slot / 2 + (rng.uniform() * 2 - 1) * s.jitter;
    // Baseline a third of the em below the centre puts the x-height and caps about the centre.
    const baseline = cy + s.fontSize * 0.33 + (rng.uniform() * 2 - 1) * s.jitter * 0.6;
    const angle = (rng.uniform() * 2 - 1) * s.rotation;
    const d = f.getPath(ch, cx - advance / 2, baseline, s.fontSize).toPathData(2);
    parts.push(`<path d="${d}" transform="rotate(${angle.toFixed(2)} ${cx.toFixed(2)} ${cy.toFixed(2)})"/>`);
  }
  for (let i = 0; i < s.lines; i++) {
    const y1 = top + rng.uniform() * s.height;
    const y2 = top + rng.uniform() * s.height;
    const ym = (y1 + y2) / 2 + (rng.uniform() * 2 - 1) * s.height * 0.3;
    parts.push(`<path d="M0 ${y1.toFixed(2)} Q${(s.width / 2).toFixed(2)} ${ym.toFixed(2)} ${s.width} ${y2.toFixed(2)}" fill="none" stroke-width="${s.lineWidth}"/>`);
  }
  for (let i = 0; i < s.dots; i++) {
    parts.push(`<rect x="${(rng.uniform() * s.width).toFixed(2)}" y="${(top + rng.uniform() * s.height).toFixed(2)}" width="1" height="1" stroke="none"/>`);
  }
  return { svg: parts.join(''), text };
}

/** Captchas per SVG sheet: one sharp render for many. */
const SHEET = 64;

/** `count` captchas of a scheme from `seed` (the same seed, the same captchas). */
export async function renderCaptchas(s: CaptchaScheme, count: number, seed: number): Promise<RenderedCaptcha[]> {
  const f = loadBundledFont(s.font);
  for (const ch of s.alphabet) if (f.charToGlyph(ch).index === 0) throw new Error(`the font ${s.font} has no glyph for "${ch}"`);
  const rng = new Rng(seed);
  const out: RenderedCaptcha[] = [];
  const per = s.width * s.height;
  for (let start = 0; start < count; start += SHEET) {
    const n = Math.min(SHEET, count - start);
    const drawn = Array.from({ length: n }, (_, i) => captchaSvg(s, rng, i * s.height));
    const height = n * s.height;
    const ink = gray(s.ink);
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${s.width}" height="${height}" viewBox="0 0 ${s.width} ${height}">` +
      `<rect width="100%" height="100%" fill="${gray(s.paper)}"/>` +
      `<g fill="${ink}" stroke="${ink}" stroke-width="${s.stroke}" stroke-linejoin="round">${drawn.map((d) => d.svg).join('')}</g></svg>`;
    const raw = await sharp(Buffer.from(svg), { density: 72 }).grayscale().raw().toBuffer();
    drawn.forEach((d, i) => out.push({ text: d.text, gray: new Uint8Array(raw.subarray(i * per, (i + 1) * per)) }));
  }
  return out;
}
