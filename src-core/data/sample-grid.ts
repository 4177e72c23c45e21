import sharp from 'sharp';

/** A sample grid: images [count, H, W, C] in [0, 1]. */
export interface SampleImages {
  count: number;
  height: number;
  width: number;
  channels: number;
  pixels: Float32Array;
}

/** Gap between grid cells, pixels, drawn mid-grey so black and white samples both stand out. */
const GAP = 1;
const GAP_VALUE = 128;

/** Lays out samples [N, H, W, C] in a near-square grid and encodes it as PNG. */
export async function sampleGridPng(s: SampleImages): Promise<Buffer> {
  const cols = Math.ceil(Math.sqrt(s.count));
  const rows = Math.ceil(s.count / cols);
  const width = cols * s.width + (cols - 1) * GAP;
  const height = rows * s.height + (rows - 1) * GAP;
  const out = Buffer.alloc(width * height * s.channels, GAP_VALUE);
  for (let i = 0; i < s.count; i++) {
    const ox = (i % cols) * (s.width + GAP);
    const oy = Math.floor(i / cols) * (s.height + GAP);
    for (let y = 0; y < s.height; y++) {
      for (let x = 0; x < s.width; x++) {
        for (let c = 0; c < s.channels; c++) {
          const v = s.pixels[((i * s.height + y) * s.width + x) * s.channels + c]!;
          out[((oy + y) * width + ox + x) * s.channels + c] = Math.round(Math.min(1, Math.max(0, v)) * 255);
        }
      }
    }
  }
  return sharp(out, { raw: { width, height, channels: s.channels as 1 | 3 } }).png().toBuffer();
}
