import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * The workbench home: `--home DIR`, else GAN_WORKBENCH_HOME, else the platform's
 * app-data folder (the one Electron's userData uses for this app).
 */
export function resolveHome(explicit?: string): string {
  if (explicit) return explicit;
  if (process.env.GAN_WORKBENCH_HOME) return process.env.GAN_WORKBENCH_HOME;
  const appData =
    process.platform === 'win32' ? process.env.APPDATA ?? join(homedir(), 'AppData', 'Roaming')
      : process.platform === 'darwin' ? join(homedir(), 'Library', 'Application Support')
        : process.env.XDG_CONFIG_HOME ?? join(homedir(), '.config');
  return join(appData, 'gan-workbench');
}

/** Caches the workbench can rebuild (synthesised captchas, the reference recogniser); the store's paths are in store/open.ts. */
export const homePaths = (home: string) => ({
  cache: join(home, 'cache'),
});
