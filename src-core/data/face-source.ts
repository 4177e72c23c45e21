/**
 * Where a face import reads its images: a folder, or CelebA's official
 * `img_align_celeba.zip` read in place (its central directory once, then each entry
 * streamed and inflated on demand: 200k files are never unpacked to disk).
 */
import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import yauzl from 'yauzl';
import { InvalidInputError } from '../domain/errors.ts';
import { scanFolder, type ScannedFile, type Skipped } from './file-scan.ts';

export interface FaceSource {
  /** Image files sorted by name (the order records are written and an import resumes in). */
  files: ScannedFile[];
  /** Files seen but not usable (bad names, links), with the reason. */
  skipped: Skipped[];
  read(file: ScannedFile): Promise<Buffer>;
  close(): void;
}

export function folderSource(dir: string, extensions: Set<string>): FaceSource {
  const { files, skipped } = scanFolder(dir, extensions);
  return { files, skipped, read: (f) => readFile(f.path), close: () => {} };
}

/** Larger entries than this are not faces (CelebA's are ≈ 10 KB): refused before inflating (zip bombs). */
const MAX_ENTRY_BYTES = 64 * 1024 * 1024;

/** The images of a zip, in any folder inside it, named by their base name (as CelebA's annotation files name them). */
export async function zipSource(zipPath: string, extensions: Set<string>): Promise<FaceSource> {
  let zip: yauzl.ZipFile;
  try {
    zip = await yauzl.openPromise(zipPath, { lazyEntries: true, autoClose: false, decodeStrings: true });
  } catch (err) {
    throw new InvalidInputError(`${zipPath} is not a readable zip file (${(err as Error).message})`, 'folder', 'not a readable zip file');
  }
  const entries = new Map<string, yauzl.Entry>();
  const skipped: Skipped[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      zip.on('entry', (entry: yauzl.Entry) => {
        const name = basename(entry.fileName);
        if (!entry.fileName.endsWith('/') && extensions.has(extname(name).toLowerCase())) {
          if (entries.has(name)) skipped.push({ file: `${zipPath}!${entry.fileName}`, reason: `a second ${name} in the zip (the first is imported)` });
          else if (entry.uncompressedSize > MAX_ENTRY_BYTES) skipped.push({ file: `${zipPath}!${entry.fileName}`, reason: `${entry.uncompressedSize} bytes uncompressed: too large for a face` });
          else entries.set(name, entry);
        }
        zip.readEntry();
      });
      zip.once('end', () => resolve());
      zip.once('error', reject);
      zip.readEntry();
    });
  } catch (err) {
    zip.close();
    throw new InvalidInputError(`${zipPath} is a damaged zip file (${(err as Error).message})`, 'folder', 'damaged zip file');
  }
  const files = [...entries.keys()].sort().map((name) => ({ name, path: `${zipPath}!${entries.get(name)!.fileName}` }));
  return {
    files,
    skipped,
    async read(f) {
      const entry = entries.get(f.name)!;
      const stream = await zip.openReadStreamPromise(entry);
      const chunks: Buffer[] = [];
      for await (const chunk of stream) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks);
    },
    close: () => zip.close(),
  };
}
