import { join } from 'node:path';

/**
 * Where the app's parts are, from the project root (the bundled main process sits in
 * dist/electron/main/, three levels down). Kept pure so a test can check that each exists.
 */
export function appPaths(root: string) {
  return {
    renderer: join(root, 'renderer', 'dist'),
    preload: join(root, 'dist', 'electron', 'preload', 'index.cjs'),
    /** The core, loaded through tsx as the CLI loads it. */
    core: join(root, 'src-core', 'api', 'server', 'core.ts'),
  };
}
