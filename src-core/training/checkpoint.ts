import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { JobState, SavedTensor } from './job.ts';
import { writeFileAtomic } from '../util/atomic-write.ts';

/**
 * Checkpoint file: "GWBCKPT1", a little-endian u32 header length, the UTF-8 JSON
 * header, then each tensor's float32 values in header order. The header holds the
 * job's meta, the tensor directory and the SHA-256 of the body, so a damaged file
 * is detected rather than half-loaded.
 */
const MAGIC = 'GWBCKPT1';

interface Header {
  format: 1;
  iteration: number;
  /** Wall seconds of training before this checkpoint (so a resumed run's clock continues). */
  seconds: number;
  meta: Record<string, unknown>;
  tensors: { name: string; shape: number[]; length: number }[];
  sha256: string;
}

export interface Checkpoint {
  state: JobState;
  seconds: number;
}

/** Writes a checkpoint atomically; returns the file's SHA-256 and size (for the run store). */
export function writeCheckpoint(path: string, state: JobState, seconds: number): { sha256: string; bytes: number } {
  const names = Object.keys(state.tensors).sort();
  const bodies = names.map((n) => {
    const v = state.tensors[n]!.values;
    return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  });
  const hash = createHash('sha256');
  for (const b of bodies) hash.update(b);
  const header: Header = {
    format: 1,
    iteration: state.iteration,
    seconds,
    meta: state.meta,
    tensors: names.map((name) => ({ name, shape: state.tensors[name]!.shape, length: state.tensors[name]!.values.length })),
    sha256: hash.digest('hex'),
  };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32LE(json.length);
  const chunks = [Buffer.from(MAGIC, 'ascii'), len, json, ...bodies];
  writeFileAtomic(path, chunks);
  const file = createHash('sha256');
  for (const c of chunks) file.update(c);
  return { sha256: file.digest('hex'), bytes: chunks.reduce((n, c) => n + c.length, 0) };
}

export function readCheckpoint(path: string): Checkpoint {
  const buf = readFileSync(path);
  if (buf.length < 12 || buf.toString('ascii', 0, 8) !== MAGIC) throw new Error(`${path} is not a GAN Workbench checkpoint`);
  const headerLength = buf.readUInt32LE(8);
  const header = JSON.parse(buf.toString('utf8', 12, 12 + headerLength)) as Header;
  const body = buf.subarray(12 + headerLength);
  const digest = createHash('sha256').update(body).digest('hex');
  if (digest !== header.sha256) throw new Error(`checkpoint ${path} is damaged (checksum mismatch)`);
  const tensors: Record<string, SavedTensor> = {};
  let offset = 0;
  for (const t of header.tensors) {
    const bytes = body.subarray(offset, offset + t.length * 4);
    // Copy: the body's offset need not be 4-byte aligned.
    tensors[t.name] = { shape: t.shape, values: new Float32Array(Uint8Array.from(bytes).buffer) };
    offset += t.length * 4;
  }
  return { state: { iteration: header.iteration, meta: header.meta, tensors }, seconds: header.seconds };
}
