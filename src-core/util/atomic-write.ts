import { closeSync, existsSync, fsyncSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Writes a file so that a crash at any moment leaves either the old file or the
 * new one, never a torn one: temp file in the same folder, fsync, rename, fsync
 * of the folder (so the rename itself is durable). A failed write (a full disk)
 * removes its temp file and leaves the old file as it was. With `keepPreviousAs`,
 * the old file is renamed there first instead of being replaced.
 */
export function writeFileAtomic(path: string, chunks: (Buffer | Uint8Array)[], o: { keepPreviousAs?: string } = {}): void {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    const fd = openSync(tmp, 'w');
    try {
      for (const chunk of chunks) {
        let off = 0;
        while (off < chunk.length) off += writeSync(fd, chunk, off, chunk.length - off);
      }
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    rmSync(tmp, { force: true });
    const e = err as NodeJS.ErrnoException;
    throw Object.assign(new Error(`cannot write ${path}: ${e.code === 'ENOSPC' ? 'the disk is full' : e.message}`), { code: e.code });
  }
  promoteFile(tmp, path, o);
}

/**
 * Puts a complete file (written and synced under another name in the same folder) in
 * place of `path`, durably: rename, then fsync of the folder. With `keepPreviousAs`,
 * the file it replaces is renamed there first.
 */
export function promoteFile(complete: string, path: string, o: { keepPreviousAs?: string } = {}): void {
  if (o.keepPreviousAs && existsSync(path)) renameSync(path, o.keepPreviousAs);
  renameSync(complete, path);
  try {
    const dirFd = openSync(dirname(path), 'r');
    try {
      fsyncSync(dirFd);
    } finally {
      closeSync(dirFd);
    }
  } catch {
    // Some platforms (Windows) cannot fsync a directory; the rename is still atomic.
  }
}

/** Size of a file, or 0 when it is not there. */
export const fileSize = (path: string): number => (existsSync(path) ? statSync(path).size : 0);
