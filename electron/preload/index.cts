/**
 * The preload exposes one small, frozen object through contextBridge and nothing
 * else (no ipcRenderer, no Node). The typed API contract arrives with the UI issue.
 * A sandboxed preload must be CommonJS, hence .cts and require.
 */
import electron = require('electron');

const workbench = Object.freeze({
  shell: 'electron' as const,
});

electron.contextBridge.exposeInMainWorld('workbench', workbench);
