/**
 * Composition root of the desktop app: registers the app:// protocol, opens one
 * secure window, and blocks navigation, new windows and permission requests.
 * Training never runs here: the UI issue wires the API to runner processes.
 */
import { app, BrowserWindow, net, protocol, session } from 'electron';
import { join, normalize } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  APP_ORIGIN, APP_SCHEME, CONTENT_SECURITY_POLICY, isAllowedNavigation, permissionDecision, resolveAppPath, secureWebPreferences,
} from './security.js';

const RENDERER_ROOT = join(import.meta.dirname, '..', '..', '..', 'renderer');
// A sandboxed preload must be CommonJS: it is written as .cts and emitted as .cjs.
const PRELOAD = join(import.meta.dirname, '..', 'preload', 'index.cjs');

protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);

function createWindow(): void {
  const win = new BrowserWindow({
    width: 1280, height: 820, title: 'GAN Workbench', show: false, webPreferences: secureWebPreferences(PRELOAD),
  });
  win.webContents.on('will-navigate', (event, url) => {
    if (!isAllowedNavigation(url)) event.preventDefault();
  });
  win.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
  win.once('ready-to-show', () => win.show());
  void win.loadURL(`${APP_ORIGIN}/index.html`);
}

app.whenReady().then(() => {
  protocol.handle(APP_SCHEME, async (request) => {
    const file = resolveAppPath(request.url, RENDERER_ROOT, join, normalize);
    if (!file) return new Response('not found', { status: 404 });
    const response = await net.fetch(pathToFileURL(file).toString());
    const headers = new Headers(response.headers);
    headers.set('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    return new Response(response.body, { status: response.status, headers });
  });
  session.defaultSession.setPermissionRequestHandler((_wc, permission, callback) => callback(permissionDecision(permission)));
  session.defaultSession.setPermissionCheckHandler((_wc, permission) => permissionDecision(permission));
  app.on('web-contents-created', (_e, contents) => {
    contents.on('will-attach-webview', (event) => event.preventDefault());
  });
  createWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
}).catch((err: unknown) => {
  console.error(err);
  app.quit();
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});
