import sharp from 'sharp';
import { cutCaptcha, type CaptchaSettings } from './captcha-image.ts';

/** The captcha at 4× with its binarised ink and the cut lines in red: what the importer will train on. */
export async function cutPreviewPng(gray: Uint8Array, s: CaptchaSettings): Promise<Buffer> {
  const { ink, cuts } = cutCaptcha(gray, s);
  const rgb = Buffer.alloc(s.width * s.height * 2 * 3);
  for (let y = 0; y < s.height; y++) {
    for (let x = 0; x < s.width; x++) {
      const g = gray[y * s.width + x]!;
      const b = ink[y * s.width + x] ? 0 : 255;
      rgb.fill(g, (y * s.width + x) * 3, (y * s.width + x) * 3 + 3);
      rgb.fill(b, ((s.height + y) * s.width + x) * 3, ((s.height + y) * s.width + x) * 3 + 3);
    }
  }
  for (const x of cuts.map((c) => Math.min(c, s.width - 1))) {
    for (let y = 0; y < s.height * 2; y++) rgb.set([220, 30, 30], (y * s.width + x) * 3);
  }
  return sharp(rgb, { raw: { width: s.width, height: s.height * 2, channels: 3 } })
    .resize(s.width * 4, s.height * 8, { kernel: 'nearest' }).png().toBuffer();
}

/** The normalised captcha as the recogniser sees it (grayscale PNG, at 2× so small captchas stay legible). */
export async function captchaPng(gray: Uint8Array, s: Pick<CaptchaSettings, 'width' | 'height'>): Promise<Buffer> {
  return sharp(Buffer.from(gray), { raw: { width: s.width, height: s.height, channels: 1 } })
    .resize(s.width * 2, s.height * 2, { kernel: 'nearest' }).png().toBuffer();
}
