import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { tf } from '../engine/tf.ts';
import type { Network } from '../models/network.ts';
import type { JobState, SavedTensor } from './job.ts';
import type { OptimizerState } from './optimizers.ts';
import { writeFileAtomic } from '../util/atomic-write.ts';
import { UserError } from '../domain/errors.ts';

/**
 * Checkpoints: a job's state as one file, and the conversions between networks or
 * optimisers and the named tensors a state holds. Every job (GAN, recogniser), the
 * reference recogniser and the labelling assistant read and write them here.
 *
 * Checkpoint file: "GWBCKPT2", a little-endian u32 header length, the UTF-8 JSON
 * header, each tensor's float32 values in header order, then the SHA-256 of all
 * that (32 bytes), so damage anywhere — header included — is detected rather than
 * half-loaded. Files of format 1 ("GWBCKPT1", no trailer; the header held the
 * body's SHA-256) are still read.
 */
const MAGIC = 'GWBCKPT2';
const MAGIC_V1 = 'GWBCKPT1';
const TRAILER = 32;

/** A checkpoint file that cannot be used: damaged, truncated, or not one of ours. */
export class CheckpointError extends UserError {
  override name = 'CheckpointError';
  constructor(message: string) {
    super('user-error', message);
  }
}

interface Header {
  format: 1 | 2;
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

/**
 * Writes a checkpoint atomically; returns the file's SHA-256 and size (for the run
 * store). With `keepPreviousAs`, the checkpoint it replaces is kept there.
 */
export function writeCheckpoint(path: string, state: JobState, seconds: number, o: { keepPreviousAs?: string } = {}): { sha256: string; bytes: number } {
  const names = Object.keys(state.tensors).sort();
  const bodies = names.map((n) => {
    const v = state.tensors[n]!.values;
    return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  });
  const hash = createHash('sha256');
  for (const b of bodies) hash.update(b);
  const header: Header = {
    format: 2,
    iteration: state.iteration,
    seconds,
    meta: state.meta,
    tensors: names.map((name) => ({ name, shape: state.tensors[name]!.shape, length: state.tensors[name]!.values.length })),
    sha256: hash.digest('hex'),
  };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32LE(json.length);
  const content = [Buffer.from(MAGIC, 'ascii'), len, json, ...bodies];
  // The trailer is the SHA-256 of the content; the file's is that of content + trailer: one pass over the content serves both.
  const trailer = createHash('sha256');
  for (const c of content) trailer.update(c);
  const file = trailer.copy();
  const chunks = [...content, trailer.digest()];
  writeFileAtomic(path, chunks, o);
  file.update(chunks.at(-1)!);
  return { sha256: file.digest('hex'), bytes: chunks.reduce((n, c) => n + c.length, 0) };
}

/** The SHA-256 of a whole file, as the run store records it for checkpoints. */
const fileSha256 = (buf: Buffer): string => createHash('sha256').update(buf).digest('hex');

export function readCheckpoint(path: string): Checkpoint {
  return parseCheckpoint(path, readFileSync(path));
}

function parseCheckpoint(path: string, buf: Buffer): Checkpoint {
  const magic = buf.length >= 12 ? buf.toString('ascii', 0, 8) : '';
  if (magic !== MAGIC && magic !== MAGIC_V1) throw new CheckpointError(`${path} is not a GAN Workbench checkpoint`);
  let end = buf.length;
  if (magic === MAGIC) {
    end -= TRAILER;
    if (end < 12 || !createHash('sha256').update(buf.subarray(0, end)).digest().equals(buf.subarray(end))) {
      throw new CheckpointError(`checkpoint ${path} is damaged (checksum mismatch)`);
    }
  }
  const headerLength = buf.readUInt32LE(8);
  let header: Header;
  try {
    header = JSON.parse(buf.toString('utf8', 12, 12 + headerLength)) as Header;
  } catch {
    throw new CheckpointError(`checkpoint ${path} is damaged (unreadable header)`);
  }
  const body = buf.subarray(12 + headerLength, end);
  const digest = createHash('sha256').update(body).digest('hex');
  if (digest !== header.sha256) throw new CheckpointError(`checkpoint ${path} is damaged (checksum mismatch)`);
  if (header.tensors.reduce((n, t) => n + t.length * 4, 0) !== body.length) throw new CheckpointError(`checkpoint ${path} is damaged (wrong length)`);
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

/** A checkpoint file the run store vouches for: its whole-file SHA-256 as recorded. */
export interface RecordedCheckpointFile {
  step: number;
  path: string;
  sha256: string;
}

/**
 * The newest of the recorded checkpoint files that is intact and is the file the
 * store recorded (whole-file SHA-256 equal), each file tried under both recorded
 * names (a crash between the writer's two renames leaves the latest under the
 * previous name). A CheckpointError naming every file and its fault when none is usable.
 */
export function readRecordedCheckpoint(runId: string, recorded: RecordedCheckpointFile[]): Checkpoint & { file: RecordedCheckpointFile; fellBack: boolean } {
  const wanted = [...recorded].sort((a, b) => b.step - a.step);
  const paths = [...new Set(recorded.map((r) => r.path))];
  const problems: string[] = [];
  const files = new Map<string, Buffer>();
  for (const path of paths) {
    try {
      files.set(path, readFileSync(path));
    } catch (err) {
      problems.push(`${path}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : (err as Error).message}`);
    }
  }
  for (const [i, want] of wanted.entries()) {
    for (const [path, buf] of files) {
      if (fileSha256(buf) !== want.sha256) continue;
      try {
        return { ...parseCheckpoint(path, buf), file: { ...want, path }, fellBack: i > 0 };
      } catch (err) {
        problems.push((err as Error).message);
      }
    }
  }
  for (const [path, buf] of files) {
    if (!wanted.some((w) => w.sha256 === fileSha256(buf))) problems.push(`${path}: not the checkpoint the store recorded (damaged or replaced)`);
  }
  throw new CheckpointError(`run ${runId} cannot resume: no usable checkpoint (${problems.join('; ')}); start a new run from its config`);
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

/** Runs `f` with `lent` (keyed "<prefix>/…") in the network, then puts `own` back (keyed the same). */
export async function withWeights<T>(prefix: string, net: Network, lent: Record<string, SavedTensor>, own: Record<string, SavedTensor>, f: () => Promise<T>): Promise<T> {
  loadNet(prefix, net, lent);
  try {
    return await f();
  } finally {
    loadNet(prefix, net, own);
  }
}
