/**
 * The headless host: the renderer's files and the API over HTTP (calls) and a
 * WebSocket (events), for a browser — on this machine, or on a GPU server reached
 * through an SSH tunnel. Every API request needs the host's random token; static
 * files carry no data and are served to anyone who can reach the port.
 *
 * Requests naming a Host the server is not (DNS rebinding) get 421. The event
 * socket takes only its own Origin, small frames, answers pings (clients that stop
 * answering are dropped) and evicts a client whose unsent events pile up.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { HTTP_API_PREFIX, TOKEN_PARAM, WS_EVENTS_PATH } from '../contract/channels.ts';
import type { Dispatch } from './dispatcher.ts';
import type { ApiErrorCode, Envelope } from '../contract/errors.ts';
import type { ApiEvent } from '../contract/events.ts';

export const newToken = () => randomBytes(24).toString('base64url');

/** Constant-time token check (hashes first, so lengths never leak either). */
export function tokenMatches(expected: string, given: string | null | undefined): boolean {
  if (!given) return false;
  const h = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(h(expected), h(given));
}

const STATUS: Record<ApiErrorCode, number> = {
  unauthorized: 401, 'unknown-method': 404, 'invalid-payload': 400, 'invalid-config': 422, 'not-found': 404,
  conflict: 409, forbidden: 403, 'user-error': 422, internal: 500,
};
const MAX_BODY = 4 * 1024 * 1024;
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.woff2': 'font/woff2', '.json': 'application/json', '.ico': 'image/x-icon',
};

/** The page's CSP: nothing from the request goes into it ('self' covers the page's own ws:/wss: origin). */
export const HOST_CSP = [
  "default-src 'none'", "script-src 'self'", "style-src 'self' 'unsafe-inline'", "img-src 'self' data: blob:", "font-src 'self'",
  "connect-src 'self'", "object-src 'none'", "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'",
].join('; ');

export interface HostOptions {
  dispatch: Dispatch;
  subscribe: (listener: (e: ApiEvent) => void) => () => void;
  rendererDir: string;
  token: string;
  /**
   * The names clients may reach the host by (the Host header without its port, which
   * must be the listening port). Default: the loopback names.
   */
  hostNames?: string[];
  /** Serve HTTPS (PEM certificate and key). */
  tls?: { cert: Buffer; key: Buffer };
  /** Event socket limits (tests shorten them). */
  socket?: Partial<SocketLimits>;
}

export interface SocketLimits {
  /** Largest frame a client may send (it sends none in normal use). */
  maxPayload: number;
  /** A ping this often; a client that did not answer the last one is dropped. */
  heartbeatMs: number;
  /** Unsent bytes queued for one client beyond which it is evicted as too slow. */
  maxBufferedBytes: number;
}

const SOCKET_DEFAULTS: SocketLimits = { maxPayload: 64 * 1024, heartbeatMs: 30_000, maxBufferedBytes: 8 * 1024 * 1024 };
export const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'];

/** Whether a Host header names this server: one of its names, at its port. */
export function hostAllowed(hostHeader: string | undefined, names: readonly string[], port: number): boolean {
  if (!hostHeader) return false;
  const m = /^(\[[0-9a-f:.]+\]|[^:]+)(?::(\d+))?$/i.exec(hostHeader.trim().toLowerCase());
  if (!m) return false;
  return names.includes(m[1]!) && Number(m[2] ?? 80) === port;
}

function send(res: ServerResponse, status: number, body: string | Buffer, type: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff', ...extra });
  res.end(body);
}

const sendEnvelope = (res: ServerResponse, e: Envelope<unknown>) =>
  send(res, e.ok ? 200 : STATUS[e.error.code], JSON.stringify(e), 'application/json; charset=utf-8');

function readBody(req: IncomingMessage): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        resolve(null);
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

async function handleApi(req: IncomingMessage, res: ServerResponse, url: URL, o: HostOptions): Promise<void> {
  const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
  if (!tokenMatches(o.token, bearer)) {
    sendEnvelope(res, { ok: false, error: { code: 'unauthorized', message: 'a valid token is required (open the URL the host printed)' } });
    return;
  }
  if (req.method !== 'POST') {
    send(res, 405, JSON.stringify({ ok: false, error: { code: 'invalid-payload', message: 'API calls are POST requests' } }), 'application/json', { Allow: 'POST' });
    return;
  }
  const body = await readBody(req);
  if (body === null) {
    sendEnvelope(res, { ok: false, error: { code: 'invalid-payload', message: `the payload exceeds ${MAX_BODY} bytes` } });
    return;
  }
  let payload: unknown;
  try {
    payload = body.trim() ? JSON.parse(body) : {};
  } catch {
    sendEnvelope(res, { ok: false, error: { code: 'invalid-payload', message: 'the payload is not valid JSON' } });
    return;
  }
  const method = decodeURIComponent(url.pathname.slice(HTTP_API_PREFIX.length));
  sendEnvelope(res, await o.dispatch(method, payload));
}

async function handleStatic(res: ServerResponse, url: URL, o: HostOptions): Promise<void> {
  let path: string;
  try {
    path = decodeURIComponent(url.pathname);
  } catch {
    send(res, 400, 'bad path', 'text/plain');
    return;
  }
  const rel = path === '/' ? 'index.html' : path.replace(/^\/+/, '');
  const root = normalize(o.rendererDir + sep);
  const file = normalize(join(root, rel));
  if (path.includes('\0') || !file.startsWith(root)) {
    send(res, 404, 'not found', 'text/plain');
    return;
  }
  try {
    send(res, 200, await readFile(file), TYPES[extname(file)] ?? 'application/octet-stream', { 'Content-Security-Policy': HOST_CSP });
  } catch {
    send(res, 404, 'not found', 'text/plain');
  }
}

export interface HostServer {
  server: Server;
  /** Closes the event sockets and open connections too (server.close alone waits for them forever). */
  close(): Promise<void>;
}

/** An HTTP(S) server (not yet listening) serving the renderer, the API and the event stream. */
export function createHost(o: HostOptions): HostServer {
  const names = (o.hostNames ?? LOOPBACK_NAMES).map((n) => n.toLowerCase());
  const limits = { ...SOCKET_DEFAULTS, ...o.socket };
  const port = () => (server.address() as AddressInfo | null)?.port ?? 0;
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    if (!hostAllowed(req.headers.host, names, port())) {
      send(res, 421, `this host does not answer to "${String(req.headers.host ?? '').slice(0, 100)}"`, 'text/plain');
      return;
    }
    const url = new URL(req.url ?? '/', 'http://host');
    const work = url.pathname.startsWith(HTTP_API_PREFIX) ? handleApi(req, res, url, o)
      : url.pathname.startsWith('/api/') ? Promise.resolve(send(res, 404, JSON.stringify({ ok: false, error: { code: 'unknown-method', message: 'no such endpoint' } }), 'application/json'))
        : handleStatic(res, url, o);
    work.catch((err: unknown) => {
      if (!res.headersSent) send(res, 500, JSON.stringify({ ok: false, error: { code: 'internal', message: String(err) } }), 'application/json');
    });
  };
  const server: Server = o.tls ? createTlsServer({ cert: o.tls.cert, key: o.tls.key }, handler) : createServer(handler);
  const wss = new WebSocketServer({ noServer: true, maxPayload: limits.maxPayload });
  const refuse = (socket: Duplex, status: string) =>
    socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://host');
    if (!hostAllowed(req.headers.host, names, port())) return refuse(socket, '421 Misdirected Request');
    // Browsers always send Origin; a page from anywhere else must not read the events (the token alone is not enough: it may leak into a URL).
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== `${o.tls ? 'https' : 'http'}://${req.headers.host}`) return refuse(socket, '403 Forbidden');
    if (url.pathname !== WS_EVENTS_PATH || !tokenMatches(o.token, url.searchParams.get(TOKEN_PARAM))) return refuse(socket, '401 Unauthorized');
    wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
      let alive = true;
      ws.on('pong', () => (alive = true));
      const heartbeat = setInterval(() => {
        if (!alive) return ws.terminate();
        alive = false;
        ws.ping();
      }, limits.heartbeatMs);
      const unsubscribe = o.subscribe((e) => {
        if (ws.readyState !== ws.OPEN) return;
        // A client that does not read (a half-open tunnel, a stalled tab) is dropped before its queue grows without bound.
        if (ws.bufferedAmount > limits.maxBufferedBytes) return ws.terminate();
        ws.send(JSON.stringify(e));
      });
      const end = () => {
        clearInterval(heartbeat);
        unsubscribe();
      };
      ws.on('close', end);
      ws.on('error', end);
    });
  });
  return {
    server,
    close: () => new Promise<void>((resolve) => {
      for (const client of wss.clients) client.terminate();
      wss.close();
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
