/**
 * The window's security settings as pure functions, so they are unit-tested
 * without Electron (Electron's security checklist: isolation, sandbox, no Node in
 * the renderer, a strict CSP, no navigation, no new windows, no permissions).
 */
import type { WebPreferences } from 'electron';

/** The custom scheme the renderer is served from; it never reaches outside its folder. */
export const APP_SCHEME = 'app';
export const APP_ORIGIN = `${APP_SCHEME}://workbench`;

export function secureWebPreferences(preloadPath: string): WebPreferences {
  return {
    preload: preloadPath,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    webviewTag: false,
    navigateOnDragDrop: false,
    spellcheck: false,
  };
}

/**
 * Scripts and styles from the app's own origin only; no eval, no remote content;
 * images may be data:/blob: URLs (sample grids). Chart.js draws on canvas, so no
 * 'unsafe-inline' scripts are needed.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  `script-src ${APP_ORIGIN}`,
  `style-src ${APP_ORIGIN} 'unsafe-inline'`,
  `img-src ${APP_ORIGIN} data: blob:`,
  `font-src ${APP_ORIGIN}`,
  `connect-src ${APP_ORIGIN}`,
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** scheme://host of a URL (URL.origin is "null" for custom schemes such as app:). */
function originOf(url: string): string | null {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}`;
  } catch {
    return null;
  }
}

/** Navigation is allowed only within the app's own origin. */
export function isAllowedNavigation(url: string): boolean {
  return originOf(url) === APP_ORIGIN;
}

/** Every permission request (camera, notifications, …) is denied. */
export function permissionDecision(_permission: string): boolean {
  return false;
}

/** An IPC message is trusted only from the app's own top-level frame. */
export function isTrustedSender(frameUrl: string | undefined): boolean {
  return frameUrl !== undefined && isAllowedNavigation(frameUrl);
}

/**
 * Maps an app:// URL to a file inside `root`, or null if it would leave it
 * (`..`, encoded separators, absolute paths).
 */
export function resolveAppPath(url: string, root: string, join: (...p: string[]) => string, normalize: (p: string) => string): string | null {
  if (originOf(url) !== APP_ORIGIN) return null;
  const parsed = new URL(url);
  let path: string;
  try {
    path = decodeURIComponent(parsed.pathname);
  } catch {
    return null;
  }
  if (path.includes('\0') || path.includes('\\')) return null;
  const rel = path === '/' || path === '' ? 'index.html' : path.replace(/^\/+/, '');
  const full = normalize(join(root, rel));
  const base = normalize(root.endsWith('/') ? root : `${root}/`);
  return full.startsWith(base) ? full : null;
}
