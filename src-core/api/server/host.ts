/**
 * The headless host: the renderer's files and the API over HTTP (calls) and a
 * WebSocket (events), for a browser — on this machine, or on a GPU server reached
 * through an SSH tunnel. Every API request needs the host's random token; static
 * files carry no data and are served to anyone who can reach the port.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
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
  conflict: 409, 'user-error': 422, internal: 500,
};
const MAX_BODY = 4 * 1024 * 1024;
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.woff2': 'font/woff2', '.json': 'application/json', '.ico': 'image/x-icon',
};

export function hostCsp(host: string): string {
  return [
    "default-src 'none'", "script-src 'self'", "style-src 'self' 'unsafe-inline'", "img-src 'self' data: blob:", "font-src 'self'",
    `connect-src 'self' ws://${host}`, "object-src 'none'", "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'",
  ].join('; ');
}

export interface HostOptions {
  dispatch: Dispatch;
  subscribe: (listener: (e: ApiEvent) => void) => () => void;
  rendererDir: string;
  token: string;
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

async function handleStatic(res: ServerResponse, url: URL, o: HostOptions, hostHeader: string): Promise<void> {
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
    send(res, 200, await readFile(file), TYPES[extname(file)] ?? 'application/octet-stream', { 'Content-Security-Policy': hostCsp(hostHeader) });
  } catch {
    send(res, 404, 'not found', 'text/plain');
  }
}

export interface HostServer {
  server: Server;
  /** Closes the event sockets and open connections too (server.close alone waits for them forever). */
  close(): Promise<void>;
}

/** An HTTP server (not yet listening) serving the renderer, the API and the event stream. */
export function createHost(o: HostOptions): HostServer {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://host');
    const work = url.pathname.startsWith(HTTP_API_PREFIX) ? handleApi(req, res, url, o)
      : url.pathname.startsWith('/api/') ? Promise.resolve(send(res, 404, JSON.stringify({ ok: false, error: { code: 'unknown-method', message: 'no such endpoint' } }), 'application/json'))
        : handleStatic(res, url, o, req.headers.host ?? 'localhost');
    work.catch((err: unknown) => {
      if (!res.headersSent) send(res, 500, JSON.stringify({ ok: false, error: { code: 'internal', message: String(err) } }), 'application/json');
    });
  });
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://host');
    if (url.pathname !== WS_EVENTS_PATH || !tokenMatches(o.token, url.searchParams.get(TOKEN_PARAM))) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
      const unsubscribe = o.subscribe((e) => {
        if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(e));
      });
      ws.on('close', unsubscribe);
      ws.on('error', unsubscribe);
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
