/**
 * Which server paths the API may touch. The desktop app serves its own user, so
 * any path goes; a host (`serve`) serves whoever holds its token, possibly over a
 * tunnel, so every path a call names — import folders, label files, a run's data
 * folder — must lie inside one of its data roots (the home, plus each
 * `--data-root`), judged on real paths so `..` and symbolic links cannot leave them.
 */
import { realpathSync } from 'node:fs';
import { resolve, sep } from 'node:path';
import { ForbiddenPathError, InvalidInputError } from '../domain/errors.ts';

export interface DataRoots {
  /** The real path of `path` if the host may use it; a ForbiddenPathError (naming the roots) or a not-found error otherwise. */
  allow(path: string, field: string): string;
  /** The roots (real paths), or null when unconfined. */
  readonly roots: readonly string[] | null;
}

export const UNCONFINED: DataRoots = { allow: (path) => resolve(path), roots: null };

export function confinedTo(roots: string[]): DataRoots {
  const real = roots.map((r) => {
    try {
      return realpathSync(r);
    } catch {
      throw new InvalidInputError(`data root ${r} does not exist`, 'data-root');
    }
  });
  return {
    roots: real,
    allow(path, field) {
      let full: string;
      try {
        full = realpathSync(resolve(path));
      } catch {
        throw new InvalidInputError(`${resolve(path)} does not exist`, field, 'no such file or folder');
      }
      if (!real.some((root) => full === root || full.startsWith(root.endsWith(sep) ? root : root + sep))) {
        throw new ForbiddenPathError(`${full} is outside the folders this host serves (${real.join(', ')}); start it with --data-root to add one`, field);
      }
      return full;
    },
  };
}
