/**
 * A dataset as one file, so a fleet worker can fetch it from the coordinator by id
 * and checksum (in resumable slices) and install it once into its own home.
 *
 * Bundle: "GWBDSET1", a little-endian u32 header length, the UTF-8 JSON header
 * ({ kind, name, settings, parts: [{ name, bytes }] }), then the parts' bytes in order.
 * A captcha dataset's one part is its rows as JSON (pixels base64); a face dataset's
 * parts are its shards, as the import wrote them.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { DatasetRow } from '../store/datasets.ts';
import { getDataset, insertDataset } from '../store/datasets.ts';
import { insertCaptchas, listCaptchas } from '../store/captchas.ts';
import type { Db } from '../store/open.ts';
import { writeFileAtomic } from '../util/atomic-write.ts';
import { homePaths } from '../util/home.ts';

const MAGIC = 'GWBDSET1';

interface BundleHeader {
  kind: DatasetRow['kind'];
  name: string;
  settings: Record<string, unknown>;
  parts: { name: string; bytes: number }[];
}

interface CaptchaPart {
  ordinal: number;
  file: string;
  label: string | null;
  pixels: string;
}

export interface BundleFile {
  path: string;
  sha256: string;
  bytes: number;
}

/** What a captcha dataset's bundle depends on: its rows and labels (labels change while users label). */
function captchaVersion(db: Db, dataset: number): string {
  const v = db.prepare('SELECT count(*) AS n, max(updated_at) AS at FROM captchas WHERE dataset = ?').get(dataset) as { n: number; at: string | null };
  return `${v.n}-${v.at ?? ''}`;
}

/**
 * The coordinator's bundle of a dataset, made once per version of it and cached in
 * the home (`cache/fleet/`): a face dataset's when its import is complete, a captcha
 * dataset's again whenever captchas or labels changed.
 */
export function datasetBundle(db: Db, home: string, id: number): BundleFile {
  const d = getDataset(db, id);
  const version = d.kind === 'captcha' ? captchaVersion(db, d.id) : 'complete';
  if (d.kind === 'faces' && !d.settings.complete) throw new Error(`dataset ${d.id} is still being imported`);
  const dir = join(homePaths(home).cache, 'fleet');
  mkdirSync(dir, { recursive: true });
  const tag = createHash('sha256').update(version).digest('hex').slice(0, 12);
  const path = join(dir, `dataset-${d.id}-${tag}.bundle`);
  if (!existsSync(path)) {
    for (const old of readdirSync(dir).filter((f) => f.startsWith(`dataset-${d.id}-`))) rmSync(join(dir, old), { force: true });
    writeFileAtomic(path, packBundle(db, d));
  }
  const bytes = readFileSync(path);
  return { path, bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
}

function packBundle(db: Db, d: DatasetRow): Buffer[] {
  let parts: { name: string; data: Buffer }[];
  let settings: Record<string, unknown>;
  if (d.kind === 'captcha') {
    const rows: CaptchaPart[] = listCaptchas(db, d.id).map((c) => ({
      ordinal: c.ordinal, file: c.file, label: c.status === 'labelled' ? c.label : null, pixels: Buffer.from(c.pixels).toString('base64'),
    }));
    parts = [{ name: 'captchas.json', data: Buffer.from(JSON.stringify(rows)) }];
    settings = d.settings;
  } else if (d.kind === 'faces') {
    parts = d.settings.shards.map((s, i) => ({ name: `shard-${String(i).padStart(5, '0')}.bin`, data: readFileSync(s.file) }));
    // Shard paths are the coordinator's: the worker writes its own.
    settings = { ...d.settings, shards: d.settings.shards.map((s, i) => ({ ...s, file: parts[i]!.name })) };
  } else {
    throw new Error(`dataset ${d.id} holds ${d.kind}, which the fleet does not carry`);
  }
  const header: BundleHeader = { kind: d.kind, name: d.name, settings, parts: parts.map((p) => ({ name: p.name, bytes: p.data.length })) };
  const json = Buffer.from(JSON.stringify(header));
  const len = Buffer.alloc(4);
  len.writeUInt32LE(json.length);
  return [Buffer.from(MAGIC, 'ascii'), len, json, ...parts.map((p) => p.data)];
}

/**
 * Installs a bundle (already checked against its SHA-256) into a worker's home as a
 * dataset, once per checksum; returns the local dataset's id.
 */
export function installBundle(db: Db, home: string, bundle: Buffer, sha256: string): number {
  const known = db.prepare("SELECT pk FROM datasets WHERE source_path = ?").get(`fleet:${sha256}`) as { pk: number } | undefined;
  if (known) return known.pk;
  if (bundle.toString('ascii', 0, 8) !== MAGIC) throw new Error('not a dataset bundle');
  const headerLength = bundle.readUInt32LE(8);
  const header = JSON.parse(bundle.toString('utf8', 12, 12 + headerLength)) as BundleHeader;
  let offset = 12 + headerLength;
  const parts = header.parts.map((p) => {
    const data = bundle.subarray(offset, offset + p.bytes);
    offset += p.bytes;
    return { ...p, data };
  });
  return db.transaction(() => {
    if (header.kind === 'captcha') {
      const d = insertDataset(db, { kind: 'captcha', name: header.name, sourcePath: `fleet:${sha256}`, settings: header.settings as never });
      const rows = JSON.parse(parts[0]!.data.toString('utf8')) as CaptchaPart[];
      insertCaptchas(db, d.id, rows.map((r) => ({ ordinal: r.ordinal, file: r.file, label: r.label, pixels: Buffer.from(r.pixels, 'base64') })));
      return d.id;
    }
    const dir = join(home, 'datasets', `fleet-${sha256.slice(0, 16)}`);
    mkdirSync(dir, { recursive: true });
    for (const p of parts) writeFileAtomic(join(dir, p.name), [p.data]);
    const settings = header.settings as { shards: { file: string }[] };
    const d = insertDataset(db, {
      kind: 'faces', name: header.name, sourcePath: `fleet:${sha256}`,
      settings: { ...settings, shards: settings.shards.map((s) => ({ ...s, file: join(dir, s.file) })) } as never,
    });
    return d.id;
  })();
}
