/**
 * The preload exposes exactly the API bridge through contextBridge: one call
 * function and one event subscription, both on the contract's channels, and
 * nothing else (no ipcRenderer, no Node). Bundled to CommonJS (a sandboxed
 * preload cannot load other files), channel names included.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { IPC_CALL_CHANNEL, IPC_EVENT_CHANNEL } from '../../src-core/api/contract/channels.ts';
import type { WorkbenchBridge } from '../../src-core/api/contract/bridge.ts';
import type { Envelope } from '../../src-core/api/contract/errors.ts';
import type { ApiEvent } from '../../src-core/api/contract/events.ts';

const bridge: WorkbenchBridge = Object.freeze({
  shell: 'electron' as const,
  call: (method: string, payload: unknown) => ipcRenderer.invoke(IPC_CALL_CHANNEL, String(method), payload) as Promise<Envelope<unknown>>,
  onEvent(listener: (e: ApiEvent) => void) {
    const handler = (_event: IpcRendererEvent, e: ApiEvent) => listener(e);
    ipcRenderer.on(IPC_EVENT_CHANNEL, handler);
    return () => {
      ipcRenderer.off(IPC_EVENT_CHANNEL, handler);
    };
  },
});

contextBridge.exposeInMainWorld('workbench', bridge);
