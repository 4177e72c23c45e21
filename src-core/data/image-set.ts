/** Training images held in memory: [count, height, width, channels] in [0, 1]. */
export interface ImageSet {
  images: Float32Array;
  count: number;
  height: number;
  width: number;
  channels: number;
  /** Class index per image, or null when the source has no labels (or labels are sequences). */
  labels: Int32Array | null;
  /** Whole captchas: each image's text as class indices (empty when unlabelled). */
  sequences?: Int32Array[];
  classes: number;
  /**
   * Captchas drawn by a synthesiser fitted to this set (captcha-scheme-fit.ts), at its size with their texts:
   * what the segmentation-free recogniser pretrains on (`synthPretrainSteps`).
   */
  synthetic?: { images: Float32Array; sequences: Int32Array[]; count: number; description: string };
  /** Consecutive images that belong together (a captcha's character tiles); 1 otherwise. */
  group?: number;
  /** One line for logs and the run record, e.g. "8192 tiles of 2048 synthesised captchas (seed 1)". */
  description: string;
  /** Files that could not be read, with the reason; loading went on without them. */
  skipped: { file: string; reason: string }[];
  /**
   * For sets streamed from disk (`images` is then empty): copies image `index` into
   * `out` at `offset` as floats in [0, 1].
   */
  read?(index: number, out: Float32Array, offset: number): void;
  /** Releases files a streamed set holds open. */
  close?(): void;
}

export function imageSize(set: ImageSet): number {
  return set.height * set.width * set.channels;
}
