/** The two ways the renderer reaches the core: the preload's bridge, or the headless host. */
import { HTTP_API_PREFIX, TOKEN_PARAM, WS_EVENTS_PATH } from '../../../src-core/api/contract/channels.ts';
import type { Envelope } from '../../../src-core/api/contract/errors.ts';
import type { ApiEvent } from '../../../src-core/api/contract/events.ts';
import type { Transport } from './api.ts';
import type { WorkbenchBridge } from '../../../src-core/api/contract/bridge.ts';

export function ipcTransport(bridge: WorkbenchBridge): Transport {
  return {
    kind: 'electron',
    call: (method, payload) => bridge.call(method, payload),
    subscribe: (listener) => bridge.onEvent(listener),
    onConnection: () => () => {},
  };
}

const TOKEN_KEY = 'gan-workbench-token';

/** The token from the printed URL, kept for this tab and taken out of the address bar. */
export function takeToken(loc: Location, storage: Storage, history: History): string | null {
  const url = new URL(loc.href);
  const fromUrl = url.searchParams.get(TOKEN_PARAM);
  if (fromUrl) {
    storage.setItem(TOKEN_KEY, fromUrl);
    url.searchParams.delete(TOKEN_PARAM);
    history.replaceState(null, '', url.toString());
    return fromUrl;
  }
  return storage.getItem(TOKEN_KEY);
}

/**
 * Calls are POSTs; events come over one WebSocket that reconnects with backoff.
 * A failed fetch or a closed socket reports the connection lost (the app shows a
 * banner); the socket's reopening reports it back.
 */
export function httpTransport(origin: string, token: string | null): Transport {
  const listeners = new Set<(e: ApiEvent) => void>();
  const connection = new Set<(connected: boolean, reason?: string) => void>();
  let connected = true;
  const setConnected = (c: boolean, reason?: string) => {
    if (c === connected) return;
    connected = c;
    for (const l of connection) l(c, reason);
  };
  let delay = 500;
  const open = () => {
    const ws = new WebSocket(`${origin.replace(/^http/, 'ws')}${WS_EVENTS_PATH}?${TOKEN_PARAM}=${encodeURIComponent(token ?? '')}`);
    ws.onopen = () => {
      delay = 500;
      setConnected(true);
    };
    ws.onmessage = (m) => {
      const event = JSON.parse(String(m.data)) as ApiEvent;
      for (const l of listeners) l(event);
    };
    ws.onclose = () => {
      setConnected(false, token ? 'the connection to the workbench host was lost' : 'this page has no access token: open the URL that `gan-workbench serve` printed');
      setTimeout(open, delay);
      delay = Math.min(delay * 2, 5000);
    };
  };
  open();
  return {
    kind: 'browser',
    async call(method, payload) {
      let res: Response;
      try {
        res = await fetch(`${origin}${HTTP_API_PREFIX}${encodeURIComponent(method)}`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token ?? ''}` },
          body: JSON.stringify(payload ?? {}),
        });
      } catch {
        setConnected(false, 'the workbench host does not answer');
        return { ok: false, error: { code: 'internal', message: 'the workbench host does not answer; retrying when it is back' } };
      }
      if (res.status === 401) {
        setConnected(false, token ? 'the host refused this page\'s token: open the URL that `gan-workbench serve` printed'
          : 'this page has no access token: open the URL that `gan-workbench serve` printed');
      } else setConnected(true);
      return (await res.json()) as Envelope<unknown>;
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    onConnection(listener) {
      connection.add(listener);
      return () => connection.delete(listener);
    },
  };
}
