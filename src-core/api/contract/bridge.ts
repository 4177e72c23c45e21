/**
 * What the Electron preload exposes to the renderer as `window.workbench`: the
 * contract's calls and events over IPC, nothing else (no ipcRenderer, no Node).
 */
import type { Envelope } from './errors.ts';
import type { ApiEvent } from './events.ts';

export interface WorkbenchBridge {
  readonly shell: 'electron';
  call(method: string, payload: unknown): Promise<Envelope<unknown>>;
  /** Returns the function that unsubscribes. */
  onEvent(listener: (e: ApiEvent) => void): () => void;
}
