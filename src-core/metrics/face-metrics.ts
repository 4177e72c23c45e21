import { Rng } from '../util/rng.ts';

/**
 * Face quality without downloads: sliced Wasserstein distance on Laplacian-pyramid
 * patches (Karras et al. 2018, ProGAN's metric) against real faces, and the mean
 * pairwise MS-SSIM of generated faces — high when they are all alike (the
 * "average face" collapse the thesis reports).
 * Images are [n, S, S, 3] floats in [0, 1].
 */
export interface FaceImages {
  pixels: Float32Array;
  count: number;
  size: number;
}

const BINOMIAL = [1, 4, 6, 4, 1].map((v) => v / 16);

/** 5-tap binomial blur then 2× decimation of one [s, s, 3] image. */
function downsample(img: Float32Array, s: number): Float32Array {
  const h = s / 2;
  const out = new Float32Array(h * h * 3);
  const at = (y: number, x: number, c: number) => img[(Math.min(s - 1, Math.max(0, y)) * s + Math.min(s - 1, Math.max(0, x))) * 3 + c]!;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < h; x++) {
      for (let c = 0; c < 3; c++) {
        let v = 0;
        for (let i = 0; i < 5; i++) for (let j = 0; j < 5; j++) v += BINOMIAL[i]! * BINOMIAL[j]! * at(2 * y + i - 2, 2 * x + j - 2, c);
        out[(y * h + x) * 3 + c] = v;
      }
    }
  }
  return out;
}

/** Nearest-neighbour 2× upsampling (the pyramid's reconstruction filter here). */
function upsample(img: Float32Array, h: number): Float32Array {
  const s = h * 2;
  const out = new Float32Array(s * s * 3);
  for (let y = 0; y < s; y++) for (let x = 0; x < s; x++) for (let c = 0; c < 3; c++) out[(y * s + x) * 3 + c] = img[((y >> 1) * h + (x >> 1)) * 3 + c]!;
  return out;
}

/** Laplacian pyramid of one image, finest level first, down to `minSize` (whose level is the Gaussian residual). */
export function laplacianPyramid(img: Float32Array, size: number, minSize = 16): { size: number; pixels: Float32Array }[] {
  const levels: { size: number; pixels: Float32Array }[] = [];
  let current = img;
  let s = size;
  while (s > minSize) {
    const down = downsample(current, s);
    const up = upsample(down, s / 2);
    levels.push({ size: s, pixels: current.map((v, i) => v - up[i]!) });
    current = down;
    s /= 2;
  }
  levels.push({ size: s, pixels: current });
  return levels;
}

const PATCH = 7;

/** Random 7×7×3 patch descriptors from every image at one pyramid level. */
function patches(images: FaceImages, level: number, perImage: number, rng: Rng): { data: Float32Array; count: number } {
  const dim = PATCH * PATCH * 3;
  const data = new Float32Array(images.count * perImage * dim);
  let k = 0;
  for (let i = 0; i < images.count; i++) {
    const pyr = laplacianPyramid(images.pixels.subarray(i * images.size * images.size * 3, (i + 1) * images.size * images.size * 3), images.size);
    const { size, pixels } = pyr[Math.min(level, pyr.length - 1)]!;
    for (let p = 0; p < perImage; p++) {
      const y0 = rng.int(size - PATCH + 1);
      const x0 = rng.int(size - PATCH + 1);
      for (let y = 0; y < PATCH; y++) for (let x = 0; x < PATCH; x++) for (let c = 0; c < 3; c++) data[k++] = pixels[((y0 + y) * size + x0 + x) * 3 + c]!;
    }
  }
  return { data, count: images.count * perImage };
}

/**
 * Sliced Wasserstein distance (×10³) per pyramid level between generated and real
 * faces, and their mean. Descriptors of both sets are normalised with the *real*
 * set's per-channel mean and deviation (ProGAN normalises each set by its own, which
 * would hide a global shift of colour or brightness).
 */
export function slicedWasserstein(
  real: FaceImages, fake: FaceImages, o: { patchesPerImage?: number; directions?: number; seed?: number } = {},
): { levels: number[]; mean: number } {
  const rng = new Rng(o.seed ?? 0);
  const perImage = o.patchesPerImage ?? 64;
  const directions = o.directions ?? 128;
  const levelsCount = laplacianPyramid(real.pixels.subarray(0, real.size * real.size * 3), real.size).length;
  const levels: number[] = [];
  const dim = PATCH * PATCH * 3;
  for (let level = 0; level < levelsCount; level++) {
    const a = patches(real, level, perImage, rng);
    const b = patches(fake, level, perImage, rng);
    const mean = [0, 0, 0];
    const sq = [0, 0, 0];
    for (let i = 0; i < a.data.length; i++) {
      mean[i % 3]! += a.data[i]!;
      sq[i % 3]! += a.data[i]! ** 2;
    }
    const per = a.data.length / 3;
    const std = mean.map((m, c) => Math.sqrt(Math.max(1e-12, sq[c]! / per - (m / per) ** 2)));
    for (const set of [a, b]) for (let i = 0; i < set.data.length; i++) set.data[i] = (set.data[i]! - mean[i % 3]! / per) / std[i % 3]!;
    let total = 0;
    const projA = new Float64Array(a.count);
    const projB = new Float64Array(b.count);
    for (let d = 0; d < directions; d++) {
      const dir = new Float64Array(dim);
      let norm = 0;
      for (let j = 0; j < dim; j++) norm += (dir[j] = rng.normal()) ** 2;
      norm = Math.sqrt(norm);
      for (const [set, proj] of [[a, projA], [b, projB]] as const) {
        for (let i = 0; i < set.count; i++) {
          let v = 0;
          for (let j = 0; j < dim; j++) v += set.data[i * dim + j]! * dir[j]!;
          proj[i] = v / norm;
        }
        proj.sort();
      }
      const n = Math.min(a.count, b.count);
      let sum = 0;
      for (let i = 0; i < n; i++) sum += Math.abs(projA[Math.floor((i * a.count) / n)]! - projB[Math.floor((i * b.count) / n)]!);
      total += sum / n;
    }
    levels.push((total / directions) * 1e3);
  }
  return { levels, mean: levels.reduce((s, v) => s + v, 0) / levels.length };
}

/** 11-tap Gaussian (σ 1.5), the SSIM window. */
const GAUSS = (() => {
  const w = Array.from({ length: 11 }, (_, i) => Math.exp(-((i - 5) ** 2) / (2 * 1.5 ** 2)));
  const s = w.reduce((a, b) => a + b, 0);
  return w.map((v) => v / s);
})();
const MS_SSIM_WEIGHTS = [0.0448, 0.2856, 0.3001, 0.2363, 0.1333];

function blur(img: Float64Array, s: number): Float64Array {
  const tmp = new Float64Array(s * s);
  const out = new Float64Array(s * s);
  for (let y = 0; y < s; y++) for (let x = 0; x < s; x++) {
    let v = 0;
    for (let k = 0; k < 11; k++) v += GAUSS[k]! * img[y * s + Math.min(s - 1, Math.max(0, x + k - 5))]!;
    tmp[y * s + x] = v;
  }
  for (let y = 0; y < s; y++) for (let x = 0; x < s; x++) {
    let v = 0;
    for (let k = 0; k < 11; k++) v += GAUSS[k]! * tmp[Math.min(s - 1, Math.max(0, y + k - 5)) * s + x]!;
    out[y * s + x] = v;
  }
  return out;
}

/** Mean SSIM and contrast-structure term of two single-channel s × s images in [0, 1]. */
function ssimParts(a: Float64Array, b: Float64Array, s: number): { ssim: number; cs: number } {
  const C1 = 0.01 ** 2;
  const C2 = 0.03 ** 2;
  const ma = blur(a, s);
  const mb = blur(b, s);
  const aa = blur(a.map((v) => v * v), s);
  const bb = blur(b.map((v) => v * v), s);
  const ab = blur(a.map((v, i) => v * b[i]!), s);
  let ssim = 0;
  let cs = 0;
  for (let i = 0; i < s * s; i++) {
    const va = aa[i]! - ma[i]! ** 2;
    const vb = bb[i]! - mb[i]! ** 2;
    const cov = ab[i]! - ma[i]! * mb[i]!;
    const c = (2 * cov + C2) / (va + vb + C2);
    cs += c;
    ssim += ((2 * ma[i]! * mb[i]! + C1) / (ma[i]! ** 2 + mb[i]! ** 2 + C1)) * c;
  }
  return { ssim: ssim / (s * s), cs: cs / (s * s) };
}

function halve(img: Float64Array, s: number): Float64Array {
  const h = s / 2;
  const out = new Float64Array(h * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < h; x++) out[y * h + x] = (img[2 * y * s + 2 * x]! + img[2 * y * s + 2 * x + 1]! + img[(2 * y + 1) * s + 2 * x]! + img[(2 * y + 1) * s + 2 * x + 1]!) / 4;
  return out;
}

/** Multi-scale SSIM of two [s, s, 3] images (per channel, averaged); as many scales as fit an 11-px window. */
export function msSsim(a: Float32Array, b: Float32Array, size: number): number {
  const scales = Math.min(MS_SSIM_WEIGHTS.length, Math.floor(Math.log2(size / 11)) + 1);
  const weights = MS_SSIM_WEIGHTS.slice(0, scales);
  const wsum = weights.reduce((x, y) => x + y, 0);
  let total = 0;
  for (let c = 0; c < 3; c++) {
    let x: Float64Array = Float64Array.from({ length: size * size }, (_, i) => a[i * 3 + c]!);
    let y: Float64Array = Float64Array.from({ length: size * size }, (_, i) => b[i * 3 + c]!);
    let s = size;
    let value = 1;
    for (let k = 0; k < scales; k++) {
      const { ssim, cs } = ssimParts(x, y, s);
      value *= Math.max(1e-6, k === scales - 1 ? ssim : cs) ** (weights[k]! / wsum);
      if (k < scales - 1) {
        x = halve(x, s);
        y = halve(y, s);
        s /= 2;
      }
    }
    total += value / 3;
  }
  return total;
}

/** Mean MS-SSIM over `pairs` random pairs of distinct generated faces (1 = all identical). */
export function meanPairwiseMsSsim(images: FaceImages, pairs = 64, seed = 0): number {
  const rng = new Rng(seed);
  const per = images.size * images.size * 3;
  let sum = 0;
  for (let p = 0; p < pairs; p++) {
    const i = rng.int(images.count);
    let j = rng.int(images.count - 1);
    if (j >= i) j += 1;
    sum += msSsim(images.pixels.subarray(i * per, (i + 1) * per), images.pixels.subarray(j * per, (j + 1) * per), images.size);
  }
  return sum / pairs;
}
