/**
 * Augmentation of whole captchas for the segmentation-free recogniser, on the host
 * (a batch is a few hundred kilobytes): a small random affine warp (shift, scale,
 * shear), contrast and brightness, pixel noise, and interference — a random line
 * and dots, as scraped captchas have. Images are [H, W] ink in [0, 1]; all randomness
 * from the job's seeded stream, so a resumed run augments exactly as a straight one.
 */
import type { Rng } from '../util/rng.ts';

export function augmentCaptcha(src: Float32Array, H: number, W: number, rng: Rng, out: Float32Array = new Float32Array(H * W)): Float32Array {
  const u = (a: number, b: number) => a + (b - a) * rng.uniform();
  const scale = u(0.9, 1.1);
  const shear = u(-0.15, 0.15);
  const dx = u(-0.04, 0.04) * W;
  const dy = u(-0.08, 0.08) * H;
  const cx = W / 2;
  const cy = H / 2;
  const contrast = u(0.7, 1.2);
  const brightness = u(-0.05, 0.1);
  const noise = Math.sqrt(12) * u(0, 0.06);
  // Inverse map: output (x, y) samples the source at the un-warped point, bilinearly. The row's
  // terms and the sampling function are made once, not per pixel; the arithmetic is unchanged (bit-identical).
  const at = (yy: number, xx: number) => (yy >= 0 && yy < H && xx >= 0 && xx < W ? src[yy * W + xx]! : 0);
  for (let y = 0; y < H; y++) {
    const sy = (y - cy - dy) / scale + cy;
    const y0 = Math.floor(sy);
    const fy = sy - y0;
    const sheared = shear * (y - cy);
    for (let x = 0; x < W; x++) {
      const sx = (x - cx - dx - sheared) / scale + cx;
      const x0 = Math.floor(sx);
      const fx = sx - x0;
      const v = (1 - fy) * ((1 - fx) * at(y0, x0) + fx * at(y0, x0 + 1)) + fy * ((1 - fx) * at(y0 + 1, x0) + fx * at(y0 + 1, x0 + 1));
      // Ink scaled, paper lifted: paper is 0 and ink 1 here. Uniform noise of the same variance (one draw, not two and a log).
      out[y * W + x] = v * contrast + brightness + noise * (rng.uniform() - 0.5);
    }
  }
  if (rng.uniform() < 0.5) {
    // An interference line across most of the width.
    const ink = u(0.4, 1);
    let x = u(0, 0.2) * W;
    let y = u(0, H);
    const x1 = u(0.8, 1) * W;
    const slope = (u(0, H) - y) / (x1 - x);
    for (; x < x1; x += 0.5, y += slope * 0.5) {
      const xi = Math.round(x);
      const yi = Math.round(y);
      if (xi >= 0 && xi < W && yi >= 0 && yi < H) out[yi * W + xi] = Math.max(out[yi * W + xi]!, ink);
    }
  }
  const dots = Math.floor(u(0, 0.01) * H * W);
  for (let i = 0; i < dots; i++) out[Math.floor(rng.uniform() * H * W)] = u(0.5, 1);
  for (let i = 0; i < H * W; i++) out[i] = Math.min(1, Math.max(0, out[i]!));
  return out;
}
