import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { tf } from '../engine/tf.ts';
import type { Network } from '../models/network.ts';
import type { JobState, SavedTensor } from './job.ts';
import type { OptimizerState } from './optimizers.ts';
import { writeFileAtomic } from '../util/atomic-write.ts';

/**
 * Checkpoints: a job's state as one file, and the conversions between networks or
 * optimisers and the named tensors a state holds. Every job (GAN, recogniser), the
 * reference recogniser and the labelling assistant read and write them here.
 *
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

/** A network's parameters as named tensors "<prefix>/<param>". */
export function netTensors(prefix: string, net: Network): Record<string, SavedTensor> {
  const out: Record<string, SavedTensor> = {};
  for (const p of net.params) out[`${prefix}/${p.name}`] = { shape: p.variable.shape, values: p.variable.dataSync() as Float32Array };
  return out;
}

/**
 * Loads a network's parameters from named tensors; refuses a missing tensor, a shape
 * mismatch, or tensors the network lacks (a checkpoint of another architecture).
 */
export function loadNet(prefix: string, net: Network, tensors: Record<string, SavedTensor>): void {
  for (const p of net.params) {
    const saved = tensors[`${prefix}/${p.name}`];
    if (!saved) throw new Error(`checkpoint lacks ${prefix}/${p.name}`);
    if (saved.shape.join('x') !== p.variable.shape.join('x')) {
      throw new Error(`checkpoint's ${prefix}/${p.name} is ${saved.shape.join('×')}, the model's is ${p.variable.shape.join('×')}`);
    }
    tf.tidy(() => p.variable.assign(tf.tensor(saved.values, saved.shape)));
  }
  const names = new Set(net.params.map((p) => `${prefix}/${p.name}`));
  const foreign = Object.keys(tensors).filter((k) => k.startsWith(`${prefix}/`) && !names.has(k));
  if (foreign.length) {
    throw new Error(`the checkpoint holds ${foreign.slice(0, 3).join(', ')}${foreign.length > 3 ? ', …' : ''}, which ${net.name} does not have: it was written by another architecture`);
  }
}

/** Optimiser slots as named tensors "<prefix>/<slot>". */
export function prefixed(prefix: string, slots: OptimizerState['slots']): Record<string, SavedTensor> {
  return Object.fromEntries(Object.entries(slots).map(([k, v]) => [`${prefix}/${k}`, v]));
}

/** The optimiser state stored under a prefix. */
export function slotsOf(prefix: string, tensors: Record<string, SavedTensor>, iterations: number): OptimizerState {
  const slots: OptimizerState['slots'] = {};
  for (const [k, v] of Object.entries(tensors)) if (k.startsWith(`${prefix}/`)) slots[k.slice(prefix.length + 1)] = v;
  return { iterations, slots };
}
