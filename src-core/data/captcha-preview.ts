import sharp from 'sharp';
import { cutCaptcha, type CaptchaSettings } from './captcha-image.ts';

/**
 * The captcha at 4× as the importer will train on it: the normalised captcha, then
 * (when the dataset cleans captchas) the cleaned one, then its binarised ink with the
 * cut lines in red.
 */
export async function cutPreviewPng(gray: Uint8Array, s: CaptchaSettings, before?: Uint8Array): Promise<Buffer> {
  const { ink, cuts } = cutCaptcha(gray, s);
  const bands = [...(before ? [before] : []), gray, Uint8Array.from(ink, (v) => (v ? 0 : 255))];
  const rows = s.height * bands.length;
  const rgb = Buffer.alloc(s.width * rows * 3);
  bands.forEach((band, b) => {
    for (let p = 0; p < s.width * s.height; p++) rgb.fill(band[p]!, (b * s.width * s.height + p) * 3, (b * s.width * s.height + p) * 3 + 3);
  });
  // The cuts are drawn across the bands after the original: where the cleaned captcha is cut.
  const from = before ? s.height : 0;
  for (const x of cuts.map((c) => Math.min(c, s.width - 1))) {
    for (let y = from; y < rows; y++) rgb.set([220, 30, 30], (y * s.width + x) * 3);
  }
  return sharp(rgb, { raw: { width: s.width, height: rows, channels: 3 } })
    .resize(s.width * 4, rows * 4, { kernel: 'nearest' }).png().toBuffer();
}

/** The normalised captcha as the recogniser sees it (grayscale PNG, at 2× so small captchas stay legible). */
export async function captchaPng(gray: Uint8Array, s: Pick<CaptchaSettings, 'width' | 'height'>): Promise<Buffer> {
  return sharp(Buffer.from(gray), { raw: { width: s.width, height: s.height, channels: 1 } })
    .resize(s.width * 2, s.height * 2, { kernel: 'nearest' }).png().toBuffer();
}
