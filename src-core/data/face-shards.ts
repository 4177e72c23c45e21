import { createHash } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import sharp from 'sharp';
import type { Db } from '../store/open.ts';
import { getDataset, insertDataset, listDatasets, updateDatasetReport, updateDatasetSettings, type DatasetRow } from '../store/datasets.ts';
import { writeFileAtomic } from '../util/atomic-write.ts';
import type { FaceSettings } from '../domain/datasets.ts';
import { InvalidInputError, UserError } from '../domain/errors.ts';
import { FACE_CHANNELS } from '../domain/image-shapes.ts';
import { CelebaLayoutError, detectCelebaLayout, type CelebaLayout } from './celeba-layout.ts';
import { folderSource, zipSource, type FaceSource } from './face-source.ts';
import { MAX_PIXELS, scanFolder, type Skipped } from './file-scan.ts';
import { readFile } from 'node:fs/promises';
import { areaResizeRgb } from './area-resize.ts';
import type { ImageSet } from './image-set.ts';

export const FACE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png']);
/** Records per shard file: 1,024 faces = 12.6 MB at 64², 50 MB at 128². */
export const RECORDS_PER_SHARD = 1024;
/** Attribute bytes per record (CelebA has 40; unknown ones are 0). */
export const ATTRIBUTES = 40;

/**
 * A shard record: S·S·3 bytes of RGB pixels, 40 int8 attributes (±1, 0 unknown),
 * 1 byte partition (0 train, 1 val, 2 test, 255 unknown), a u32 identity (0 unknown)
 * and the u32 index of the source image in the sorted file list.
 */
export const recordBytes = (size: number) => size * size * FACE_CHANNELS + ATTRIBUTES + 1 + 4 + 4;

export type { FaceSettings };

export const FACE_CROP = 'centre square crop of side min(width, height) (178×178 of CelebA\'s 178×218), then area-average resize to S×S';

export interface FaceImportOptions {
  size: 64 | 128;
  /** Images decoded at once; sharp's own thread pool does the work on every core. */
  concurrency?: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
  /** Records per shard, i.e. per commit (default RECORDS_PER_SHARD; the fault-injection tests commit more often). */
  recordsPerShard?: number;
}

export interface FaceImportReport {
  dataset: DatasetRow;
  records: number;
  skipped: Skipped[];
  cancelled: boolean;
  resumed: boolean;
}

/**
 * A face decoded to the record's pixels: sharp (libjpeg-turbo, on the libuv pool)
 * decodes the whole file once, checking the pixel-count limit from the header first
 * (decompression bombs); the centre square crop and the area-average downscale run
 * here in JavaScript, overlapping the next images' decodes. Measured on 2 cores,
 * this is ~1.6× the throughput of letting libvips resize each small image.
 */
export async function decodeFace(path: string, size: number): Promise<Buffer> {
  return decodeFaceBytes(await readFile(path), size);
}

/** A face's encoded bytes (from a file or a zip entry) decoded to the record's pixels, as decodeFace. */
export async function decodeFaceBytes(bytes: Buffer, size: number): Promise<Buffer> {
  if (bytes.length === 0) throw new Error('empty file (0 bytes)');
  let raw: { data: Buffer; info: { width: number; height: number; channels: number } };
  try {
    raw = await sharp(bytes, { limitInputPixels: MAX_PIXELS, failOn: 'truncated' })
      .removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  } catch (err) {
    const message = (err as Error).message;
    if (/pixel limit/i.test(message)) throw new Error(`decompression bomb refused: ${message}`);
    throw new Error(`not a readable image (${message})`);
  }
  const { width, height, channels } = raw.info;
  if (channels !== FACE_CHANNELS) throw new Error(`decoded to ${channels} channels, expected ${FACE_CHANNELS}`);
  const side = Math.min(width, height);
  const crop = { x: Math.floor((width - side) / 2), y: Math.floor((height - side) / 2), w: side, h: side };
  const data = Buffer.from(areaResizeRgb(raw.data, width, crop, size, size).buffer);
  if (data.length !== size * size * FACE_CHANNELS) throw new Error(`decoded to ${data.length} bytes, expected ${size * size * FACE_CHANNELS}`);
  return data;
}

/**
 * Imports CelebA (or a folder of faces) into binary shards under
 * `<home>/datasets/<id>/`. Shards are written atomically and recorded in the store
 * one at a time, so a crash or a cancel loses at most the shard in progress and a
 * later import of the same folder and size resumes where the last committed shard
 * ended, without duplicates.
 */
export async function importFaces(db: Db, home: string, dir: string, o: FaceImportOptions): Promise<FaceImportReport> {
  const folder = resolve(dir);
  const layout = detectCelebaLayout(folder, (d) => scanFolder(d, FACE_EXTENSIONS).files.length > 0);
  const source = layout.zipped ? await zipSource(layout.imageDir, FACE_EXTENSIONS) : folderSource(layout.imageDir, FACE_EXTENSIONS);
  try {
    return await importFrom(db, home, folder, layout, source, o);
  } finally {
    source.close();
  }
}

async function importFrom(db: Db, home: string, folder: string, layout: CelebaLayout, source: FaceSource, o: FaceImportOptions): Promise<FaceImportReport> {
  const { files, skipped: scanSkipped } = source;
  if (files.length === 0) throw new CelebaLayoutError(`no face images (.jpg, .png) in ${layout.imageDir}`);
  const unfinished = listDatasets(db).find((d): d is Extract<DatasetRow, { kind: 'faces' }> => d.kind === 'faces' && d.sourcePath === folder
    && d.settings.size === o.size && !d.settings.complete);
  const settings: FaceSettings = unfinished ? unfinished.settings : {
    size: o.size, layout: layout.kind, imageDir: layout.imageDir, recordBytes: recordBytes(o.size),
    attributeNames: layout.annotations?.attributeNames ?? [], shards: [], nextFile: 0, totalFiles: files.length, complete: false, crop: FACE_CROP,
  };
  const dataset = unfinished ?? insertDataset(db, { kind: 'faces', name: `${basename(folder)} ${o.size}²`, sourcePath: folder, settings });
  const outDir = join(home, 'datasets', String(dataset.id));
  mkdirSync(outDir, { recursive: true });
  const skipped: Skipped[] = [...(unfinished?.errors ?? []), ...(unfinished ? [] : scanSkipped)];
  // Measured on 2 cores (docs/benchmarks.md): 16 decodes in flight, one libvips thread
  // each (the parallelism is across images) and no operation cache beat the defaults.
  const concurrency = Math.max(1, o.concurrency ?? 16);
  const vipsThreads = sharp.concurrency();
  sharp.concurrency(1);
  sharp.cache(false);
  try {
    return await importShards(db, dataset, settings, layout, source, skipped, outDir, concurrency, o, unfinished !== undefined);
  } finally {
    sharp.concurrency(vipsThreads);
  }
}

async function importShards(
  db: Db, dataset: DatasetRow, settings: FaceSettings, layout: CelebaLayout, source: FaceSource, skipped: Skipped[],
  outDir: string, concurrency: number, o: FaceImportOptions, resumed: boolean,
): Promise<FaceImportReport> {
  const { files } = source;
  const R = settings.recordBytes;
  const perShard = o.recordsPerShard ?? RECORDS_PER_SHARD;
  let shard = Buffer.alloc(perShard * R);
  let inShard = 0;
  let next = settings.nextFile;
  const records = () => settings.shards.reduce((n, s) => n + s.records, 0) + inShard;

  const commit = () => {
    if (inShard === 0) {
      updateDatasetSettings(db, dataset.id, 'faces', { ...settings, nextFile: next });
      settings.nextFile = next;
      return;
    }
    const file = join(outDir, `shard-${String(settings.shards.length).padStart(5, '0')}.bin`);
    const bytes = shard.subarray(0, inShard * R);
    writeFileAtomic(file, [bytes]);
    settings.shards.push({ file, records: inShard, sha256: createHash('sha256').update(bytes).digest('hex') });
    settings.nextFile = next;
    db.transaction(() => {
      updateDatasetSettings(db, dataset.id, 'faces', settings);
      updateDatasetReport(db, dataset.id, { records: records(), skipped: skipped.length, files: files.length }, skipped);
    })();
    shard = Buffer.alloc(perShard * R);
    inShard = 0;
  };

  let cancelled = false;
  // Decode a window ahead in parallel; write records strictly in file order.
  while (next < files.length) {
    if (o.signal?.aborted) {
      cancelled = true;
      break;
    }
    const window = files.slice(next, Math.min(files.length, next + concurrency * 4, next + (perShard - inShard)));
    const decoded = await mapLimit(window, concurrency, (f) => source.read(f).then((bytes) => decodeFaceBytes(bytes, o.size)).then(
      (pixels) => ({ ok: true as const, pixels }), (err: Error) => ({ ok: false as const, reason: err.message })));
    decoded.forEach((d, i) => {
      const f = window[i]!;
      if (!d.ok) {
        skipped.push({ file: f.path, reason: d.reason });
        return;
      }
      const at = inShard * R;
      d.pixels.copy(shard, at);
      let p = at + o.size * o.size * FACE_CHANNELS;
      const attrs = layout.annotations?.attributes.get(f.name);
      for (let a = 0; a < ATTRIBUTES; a++) shard.writeInt8(attrs?.[a] ?? 0, p++);
      shard.writeUInt8(layout.annotations?.partition.get(f.name) ?? 255, p++);
      shard.writeUInt32LE(layout.annotations?.identity.get(f.name) ?? 0, p);
      shard.writeUInt32LE(next + i, p + 4);
      inShard += 1;
    });
    next += window.length;
    if (inShard === perShard) commit();
    o.onProgress?.(next, files.length);
  }
  commit();
  if (!cancelled) {
    settings.complete = true;
    updateDatasetSettings(db, dataset.id, 'faces', settings);
  }
  updateDatasetReport(db, dataset.id, { records: records(), skipped: skipped.length, files: files.length }, skipped);
  return { dataset: getDataset(db, dataset.id), records: records(), skipped, cancelled, resumed };
}

async function mapLimit<T, R>(items: T[], limit: number, f: (t: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let i = 0;
  const worker = async () => {
    while (i < items.length) {
      const k = i++;
      out[k] = await f(items[k]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/**
 * A face dataset as training images streamed from its shards: records are read
 * from disk as batches are drawn, never the whole set into memory.
 */
export function faceDatasetImages(d: DatasetRow, size: number): ImageSet {
  if (d.kind !== 'faces') throw new InvalidInputError(`dataset ${d.id} holds ${d.kind}, not faces`, 'data');
  const s = d.settings;
  if (s.size !== size) throw new Error(`dataset ${d.id} holds ${s.size}² faces; this run needs ${size}² (import it with --size ${size}, or --set imageSize=${s.size})`);
  const starts: number[] = [];
  let total = 0;
  for (const sh of s.shards) {
    starts.push(total);
    total += sh.records;
  }
  if (total === 0) throw new Error(`dataset ${d.id} has no faces yet`);
  for (const sh of s.shards) checkShardSize(d.id, sh, s.recordBytes);
  const fds = new Map<number, number>();
  const pixels = size * size * FACE_CHANNELS;
  const buf = Buffer.alloc(pixels);
  return {
    images: new Float32Array(0), count: total, height: size, width: size, channels: FACE_CHANNELS, labels: null, classes: 0,
    description: `${total} faces from dataset ${d.id} (${d.name}), streamed from ${s.shards.length} shard(s)`, skipped: [],
    read(index: number, out: Float32Array, offset: number) {
      let k = starts.length - 1;
      while (starts[k]! > index) k -= 1;
      let fd = fds.get(k);
      if (fd === undefined) {
        // Verified once per shard, when it is first read: a damaged shard is refused, never trained on.
        verifyShard(d.id, s.shards[k]!);
        fd = openSync(s.shards[k]!.file, 'r');
        fds.set(k, fd);
      }
      readSync(fd, buf, 0, pixels, (index - starts[k]!) * s.recordBytes);
      for (let p = 0; p < pixels; p++) out[offset + p] = buf[p]! / 255;
    },
    close() {
      for (const fd of fds.values()) closeSync(fd);
      fds.clear();
    },
  };
}

type ShardRecord = FaceSettings['shards'][number];

/** A shard whose size is not its records' (truncated, or grown) is refused before training starts. */
function checkShardSize(dataset: number, sh: ShardRecord, recordBytes: number): void {
  let size: number;
  try {
    size = statSync(sh.file).size;
  } catch {
    throw new ShardError(`dataset ${dataset}: shard ${sh.file} is missing; import the folder again (dataset import-celeba)`);
  }
  if (size !== sh.records * recordBytes) {
    throw new ShardError(`dataset ${dataset}: shard ${sh.file} is ${size} bytes, expected ${sh.records * recordBytes} (truncated or damaged); import the folder again`);
  }
}

/** The shard's SHA-256 against the one recorded at import. */
function verifyShard(dataset: number, sh: ShardRecord): void {
  const digest = createHash('sha256').update(readFileSync(sh.file)).digest('hex');
  if (digest !== sh.sha256) throw new ShardError(`dataset ${dataset}: shard ${sh.file} is damaged (checksum mismatch); import the folder again`);
}

/** A face dataset's shard on disk is not what the import wrote. */
export class ShardError extends UserError {
  override name = 'ShardError';
  constructor(message: string) {
    super('user-error', message);
  }
}
