/**
 * Composition root of the desktop app: registers the app:// protocol, starts the
 * core (the same API the headless host serves; training runs in runner processes,
 * never here), binds it to IPC, and opens one secure window that cannot navigate
 * away, open windows or obtain permissions.
 */
import { app, BrowserWindow, ipcMain, net, protocol, session } from 'electron';
import { join, normalize } from 'node:path';
import { pathToFileURL } from 'node:url';
import { tsImport } from 'tsx/esm/api';
import { IPC_CALL_CHANNEL, IPC_EVENT_CHANNEL } from '../../src-core/api/contract/channels.ts';
// The core is TypeScript run through tsx, as the CLI runs it; only its type is imported here.
import type * as CoreModule from '../../src-core/api/server/core.ts';
import { handleIpcCall } from './ipc.ts';
import { appPaths } from './paths.ts';
import {
  APP_ORIGIN, APP_SCHEME, CONTENT_SECURITY_POLICY, isAllowedNavigation, permissionDecision, resolveAppPath, secureWebPreferences,
} from './security.ts';

// Bundled to dist/electron/main/index.js; the project root is three levels up.
const PATHS = appPaths(join(import.meta.dirname, '..', '..', '..'));
const RENDERER_ROOT = PATHS.renderer;
const PRELOAD = PATHS.preload;

protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true } }]);

function createWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1360, height: 880, title: 'GAN Workbench', show: false, webPreferences: secureWebPreferences(PRELOAD),
  });
  win.webContents.on('will-navigate', (event, url) => {
    if (!isAllowedNavigation(url)) event.preventDefault();
  });
  win.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
  win.once('ready-to-show', () => win.show());
  void win.loadURL(`${APP_ORIGIN}/index.html`);
  return win;
}

async function main(): Promise<void> {
  // One app per user: a second launch focuses the first window instead of opening the same store twice.
  // (Runs are still claimed in the store, so the CLI or a second home cannot train a run the app trains.)
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  app.on('second-instance', () => {
    const win = BrowserWindow.getAllWindows()[0];
    if (win) {
      if (win.isMinimized()) win.restore();
      win.focus();
    }
  });
  await app.whenReady();
  const { startCore } = (await tsImport(pathToFileURL(PATHS.core).href, import.meta.url)) as typeof CoreModule;
  const home = process.env.GAN_WORKBENCH_HOME || app.getPath('userData');
  const core = startCore({ home, shell: 'electron', log: (line) => console.error(line) });

  ipcMain.handle(IPC_CALL_CHANNEL, (event, method: unknown, payload: unknown) =>
    handleIpcCall(event.senderFrame?.url, event.senderFrame === event.sender.mainFrame, method, payload, core.dispatch));
  core.subscribe((e) => {
    for (const w of BrowserWindow.getAllWindows()) w.webContents.send(IPC_EVENT_CHANNEL, e);
  });

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

  // Quitting waits for the runners to checkpoint, so a closed window loses no training.
  let closing = false;
  app.on('before-quit', (event) => {
    if (closing) return;
    closing = true;
    event.preventDefault();
    core.close().finally(() => app.exit(0));
  });
}

main().catch((err: unknown) => {
  console.error(err);
  app.exit(1);
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});
