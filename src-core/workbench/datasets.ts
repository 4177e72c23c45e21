/** Dataset rules shared by the CLI and the app. */
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { InvalidInputError } from '../domain/errors.ts';

/** A folder the user named: it must exist and be a folder, said in a sentence (about the field `folder`) if not. */
export function existingFolder(path: string): string {
  const full = resolve(path);
  let isDir = false;
  try {
    isDir = statSync(full).isDirectory();
  } catch {
    throw new InvalidInputError(`${full} does not exist`, 'folder', 'no such folder');
  }
  if (!isDir) throw new InvalidInputError(`${full} is not a folder`, 'folder', 'not a folder');
  return full;
}
