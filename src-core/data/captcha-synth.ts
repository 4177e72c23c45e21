import { readFileSync } from 'node:fs';
import { projectPath } from '../util/core-bundle.mjs';
import opentype from 'opentype.js';
import sharp from 'sharp';
import { Rng } from '../util/rng.ts';
import { CAPTCHA_ALPHABET } from '../domain/image-shapes.ts';

/** SPEC §1: a captcha is 20×80 grayscale with 4 characters. */
export const CAPTCHA_HEIGHT = 20;
export const CAPTCHA_WIDTH = 80;
export const CAPTCHA_LENGTH = 4;

/** Source Code Pro Bold (SIL OFL 1.1, assets/fonts/OFL.txt): real outlines, monospaced like the scraped captchas. */
const FONT_PATH = projectPath('assets', 'fonts', 'SourceCodePro-Bold.woff');

let font: opentype.Font | null = null;
function loadFont(): opentype.Font {
  if (!font) {
    const buf = readFileSync(FONT_PATH);
    font = opentype.parse(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer);
  }
  return font;
}

export interface SynthCaptcha {
  text: string;
  /** Grayscale pixels [20 × 80], ink = 1, paper = 0, binarised (SPEC §1's global threshold). */
  pixels: Float32Array;
}

/** Knobs of the synthesiser; defaults give captchas like SPEC §1's. */
export interface SynthOptions {
  alphabet: string;
  /** Max rotation of a glyph, degrees. */
  rotation: number;
  /** Max offset of a glyph from its slot's centre, pixels. */
  jitter: number;
  noiseLines: number;
  noiseDots: number;
  /** Global threshold applied after rendering (0.5 of full scale). */
  threshold: number;
}

export const DEFAULT_SYNTH: SynthOptions = {
  alphabet: CAPTCHA_ALPHABET,
  rotation: 12,
  jitter: 1.5,
  noiseLines: 2,
  noiseDots: 12,
  threshold: 0.5,
};

const FONT_SIZE = 19;
/** Captchas per SVG sheet: one sharp render for many captchas. */
const SHEET = 128;

/** SVG markup of one captcha drawn at vertical offset `top`, and its text. */
function captchaSvg(rng: Rng, top: number, opts: SynthOptions): { svg: string; text: string } {
  const f = loadFont();
  const slot = CAPTCHA_WIDTH / CAPTCHA_LENGTH;
  let text = '';
  const parts: string[] = [];
  for (let i = 0; i < CAPTCHA_LENGTH; i++) {
    const ch = opts.alphabet[rng.int(opts.alphabet.length)]!;
    text += ch;
    const glyph = f.charToGlyph(ch);
    const advance = ((glyph.advanceWidth ?? f.unitsPerEm * 0.6) / f.unitsPerEm) * FONT_SIZE;
    const cx = slot * i + slot / 2 + (rng.uniform() * 2 - 1) * opts.jitter;
    const baseline = top + CAPTCHA_HEIGHT / 2 + FONT_SIZE * 0.35 + (rng.uniform() * 2 - 1) * opts.jitter * 0.6;
    const angle = (rng.uniform() * 2 - 1) * opts.rotation;
    const d = f.getPath(ch, cx - advance / 2, baseline, FONT_SIZE).toPathData(2);
    parts.push(`<path d="${d}" transform="rotate(${angle.toFixed(2)} ${cx.toFixed(2)} ${(top + CAPTCHA_HEIGHT / 2).toFixed(2)})"/>`);
  }
  for (let i = 0; i < opts.noiseLines; i++) {
    const y1 = top + rng.uniform() * CAPTCHA_HEIGHT;
    const y2 = top + rng.uniform() * CAPTCHA_HEIGHT;
    parts.push(`<line x1="0" y1="${y1.toFixed(2)}" x2="${CAPTCHA_WIDTH}" y2="${y2.toFixed(2)}" stroke="#000" stroke-width="1"/>`);
  }
  for (let i = 0; i < opts.noiseDots; i++) {
    const x = rng.uniform() * CAPTCHA_WIDTH;
    const y = top + rng.uniform() * CAPTCHA_HEIGHT;
    parts.push(`<rect x="${x.toFixed(2)}" y="${y.toFixed(2)}" width="1" height="1"/>`);
  }
  return { svg: parts.join(''), text };
}

/**
 * `count` captchas from `seed`: the same seed always gives the same captchas
 * (texts from the seeded stream; rendering is deterministic). Several captchas
 * are rendered per sharp call, stacked in one SVG sheet.
 */
export async function synthesizeCaptchas(count: number, seed: number, options: Partial<SynthOptions> = {}): Promise<SynthCaptcha[]> {
  const opts = { ...DEFAULT_SYNTH, ...options };
  for (const ch of opts.alphabet) {
    if (loadFont().charToGlyph(ch).index === 0) throw new Error(`the bundled font has no glyph for "${ch}"`);
  }
  const rng = new Rng(seed);
  const out: SynthCaptcha[] = [];
  for (let start = 0; start < count; start += SHEET) {
    const n = Math.min(SHEET, count - start);
    const drawn = Array.from({ length: n }, (_, i) => captchaSvg(rng, i * CAPTCHA_HEIGHT, opts));
    const height = n * CAPTCHA_HEIGHT;
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${CAPTCHA_WIDTH}" height="${height}" viewBox="0 0 ${CAPTCHA_WIDTH} ${height}">` +
      `<rect width="100%" height="100%" fill="#fff"/><g fill="#000">${drawn.map((d) => d.svg).join('')}</g></svg>`;
    const raw = await sharp(Buffer.from(svg), { density: 72 }).grayscale().raw().toBuffer();
    const per = CAPTCHA_WIDTH * CAPTCHA_HEIGHT;
    drawn.forEach((d, i) => {
      const pixels = new Float32Array(per);
      for (let p = 0; p < per; p++) pixels[p] = 1 - raw[i * per + p]! / 255 >= opts.threshold ? 1 : 0;
      out.push({ text: d.text, pixels });
    });
  }
  return out;
}

/**
 * Cuts captchas into equal character tiles (SPEC §1: four 20×20 tiles).
 * Returns tiles [N·4, 20, 20] flattened and their class indices.
 */
export function cutTiles(captchas: SynthCaptcha[], alphabet = CAPTCHA_ALPHABET): { tiles: Float32Array; labels: Int32Array } {
  const tileW = CAPTCHA_WIDTH / CAPTCHA_LENGTH;
  const tileSize = CAPTCHA_HEIGHT * tileW;
  const tiles = new Float32Array(captchas.length * CAPTCHA_LENGTH * tileSize);
  const labels = new Int32Array(captchas.length * CAPTCHA_LENGTH);
  captchas.forEach((c, ci) => {
    for (let k = 0; k < CAPTCHA_LENGTH; k++) {
      const t = ci * CAPTCHA_LENGTH + k;
      labels[t] = alphabet.indexOf(c.text[k]!);
      for (let y = 0; y < CAPTCHA_HEIGHT; y++) {
        for (let x = 0; x < tileW; x++) tiles[t * tileSize + y * tileW + x] = c.pixels[y * CAPTCHA_WIDTH + k * tileW + x]!;
      }
    }
  });
  return { tiles, labels };
}
