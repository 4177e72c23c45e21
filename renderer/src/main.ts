import { mount } from 'svelte';
import App from './App.svelte';
import { ApiClient } from './lib/api.ts';
import { APP_CONTEXT } from './lib/context.ts';
import type { WorkbenchBridge } from '../../src-core/api/contract/bridge.ts';
import { httpTransport, ipcTransport, takeToken } from './lib/transports.ts';
import { AppState, VIEWS, type View } from './state/app.svelte.ts';
import './styles.css';

// In Electron the preload provides the bridge; in a browser the headless host serves this page.
const bridge = (window as unknown as { workbench?: WorkbenchBridge }).workbench;
const transport = bridge?.call ? ipcTransport(bridge) : httpTransport(window.location.origin, takeToken(window.location, sessionStorage, history));
const state = new AppState(new ApiClient(transport), localStorage, window.matchMedia('(prefers-color-scheme: dark)').matches);
window.matchMedia('(prefers-color-scheme: dark)').addEventListener('change', (e) => {
  state.theme.systemDark = e.matches;
});

// The screen is in the URL's hash, so reloading keeps it.
const fromHash = () => {
  const v = window.location.hash.replace(/^#\/?/, '');
  if ((VIEWS as readonly string[]).includes(v)) state.view = v as View;
};
fromHash();
window.addEventListener('hashchange', fromHash);

mount(App, { target: document.getElementById('app')!, context: new Map([[APP_CONTEXT, state]]) });
