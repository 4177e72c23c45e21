import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { request } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { after, before, describe, it } from 'node:test';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import WebSocket from 'ws';
import { HTTP_API_PREFIX, TOKEN_PARAM, WS_EVENTS_PATH } from '../../src-core/api/contract/channels.ts';
import type { ApiEvent } from '../../src-core/api/contract/events.ts';
import { createHost, hostAllowed, type SocketLimits } from '../../src-core/api/server/host.ts';
import { tempDir } from '../helpers.ts';
import { openTestApi } from './fixtures.ts';

const TOKEN = 'hardening-token';
// Made at the top level: a tempDir made inside a before() hook is removed when that hook ends.
const rendererDir = tempDir('gwb-renderer-');
writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>t</title>');

/** A host over the real service, with its events fed by the test so it can flood them. */
async function startHost(socket: Partial<SocketLimits> = {}, dataRoots?: string[]) {
  const api = openTestApi({ dataRoots });
  const listeners = new Set<(e: ApiEvent) => void>();
  const hosted = createHost({
    dispatch: api.dispatch, rendererDir, token: TOKEN, socket,
    subscribe: (l) => (listeners.add(l), () => listeners.delete(l)),
  });
  await new Promise<void>((resolve) => hosted.server.listen(0, '127.0.0.1', resolve));
  const port = (hosted.server.address() as AddressInfo).port;
  return {
    api, hosted, port, listeners, emit: (e: ApiEvent) => listeners.forEach((l) => l(e)),
    close: async () => {
      await hosted.close();
      await api.close();
    },
  };
}

function rawGet(port: number, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path: '/', headers }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).on('error', reject).end();
  });
}

function openSocket(port: number, headers: Record<string, string> = {}): Promise<{ status: number; ws: WebSocket }> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}${WS_EVENTS_PATH}?${TOKEN_PARAM}=${TOKEN}`, { headers });
  return new Promise((resolve) => {
    ws.on('unexpected-response', (_req, res) => resolve({ status: res.statusCode ?? 0, ws }));
    ws.on('open', () => resolve({ status: 101, ws }));
  });
}

const closed = (ws: WebSocket) => new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));

describe('host hardening', () => {
  let h: Awaited<ReturnType<typeof startHost>>;
  before(async () => {
    h = await startHost({ heartbeatMs: 60_000 });
  });
  after(() => h.close());

  it('answers 421 to a Host header that is not this host (DNS rebinding), on pages, calls and sockets', async () => {
    assert.equal(await rawGet(h.port, { Host: `127.0.0.1:${h.port}` }), 200);
    assert.equal(await rawGet(h.port, { Host: `localhost:${h.port}` }), 200);
    for (const host of [`evil.example:${h.port}`, 'evil.example', `127.0.0.1:${h.port + 1}`]) assert.equal(await rawGet(h.port, { Host: host }), 421, host);
    assert.equal((await openSocket(h.port, { Host: `rebind.example:${h.port}` })).status, 421);
    assert.equal(hostAllowed('[::1]:80', ['[::1]'], 80), true);
    assert.equal(hostAllowed('127.0.0.1.evil:80', ['127.0.0.1'], 80), false);
  });

  it('refuses an event socket from a foreign Origin; its own Origin (and none, for non-browser clients) is accepted', async () => {
    assert.equal((await openSocket(h.port, { Origin: 'https://evil.example' })).status, 403);
    const own = await openSocket(h.port, { Origin: `http://127.0.0.1:${h.port}` });
    assert.equal(own.status, 101);
    own.ws.close();
    const bare = await openSocket(h.port);
    assert.equal(bare.status, 101);
    bare.ws.close();
  });

  it('closes a socket that sends an oversized frame', async () => {
    const { ws } = await openSocket(h.port);
    const code = closed(ws);
    ws.send(Buffer.alloc(200 * 1024));
    assert.equal(await code, 1009);
  });

  it('evicts a client that stops reading while events pile up, and keeps serving the others', async () => {
    const slow = await openSocket(h.port);
    const fast = await openSocket(h.port);
    let fastGot = 0;
    fast.ws.on('message', () => (fastGot += 1));
    // The slow client stops reading: the host's unsent queue for it grows until it is evicted.
    (slow.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    const note = 'x'.repeat(64 * 1024);
    const before = h.listeners.size;
    for (let i = 0; i < 400 && h.listeners.size === before; i++) {
      h.emit({ topic: 'run', run: 'r', event: { type: 'note', step: i, text: note } });
      await new Promise((r) => setImmediate(r));
    }
    assert.equal(h.listeners.size, before - 1, 'the slow client was dropped (its subscription ended)');
    assert.ok(fastGot > 0);
    fast.ws.close();
  });
});

describe('host heartbeat', () => {
  it('drops a client that stops answering pings (a half-open tunnel)', async () => {
    const h = await startHost({ heartbeatMs: 150 });
    try {
      const live = await openSocket(h.port);
      const dead = await openSocket(h.port);
      (dead.ws as unknown as { _socket: { pause(): void } })._socket.pause();
      await new Promise((r) => setTimeout(r, 700));
      assert.equal(h.listeners.size, 1, 'only the answering client is left');
      assert.equal(live.ws.readyState, WebSocket.OPEN);
      live.ws.close();
    } finally {
      await h.close();
    }
  });
});

describe('data roots', () => {
  it('a path outside the data roots is refused with 403 and the reason; inside (real path) is allowed', async () => {
    const allowed = tempDir('gwb-root-');
    const outside = tempDir('gwb-outside-');
    mkdirSync(join(allowed, 'caps'));
    symlinkSync(outside, join(allowed, 'escape'));
    const h = await startHost({}, [allowed]);
    const post = (method: string, body: unknown) => fetch(`http://127.0.0.1:${h.port}${HTTP_API_PREFIX}${method}`, {
      method: 'POST', body: JSON.stringify(body), headers: { Authorization: `Bearer ${TOKEN}` },
    });
    try {
      for (const folder of [outside, '/etc', join(allowed, '..'), join(allowed, 'escape'), join(allowed, 'caps', '..', '..')]) {
        const r = await post('datasets.importCeleba', { folder, size: 64 });
        assert.equal(r.status, 403, folder);
        const body = await r.json() as { error: { code: string; message: string; fields: { key: string }[] } };
        assert.equal(body.error.code, 'forbidden');
        assert.match(body.error.message, /outside the folders this host serves/);
        assert.equal(body.error.fields[0]!.key, 'folder');
      }
      const start = await post('runs.start', { preset: 'celeba-dcgan', overrides: { data: JSON.stringify({ source: 'face-folder', path: outside }) } });
      assert.equal(start.status, 403);
      // Inside: the call goes on to its own checks (here: no images in the folder), not refused for its path.
      const inside = await post('datasets.previewCaptchaFolder', {
        folder: join(allowed, 'caps'), settings: { width: 80, height: 20, length: 4, alphabet: '0123456789', threshold: 'otsu', segmentation: 'equal' },
      });
      assert.equal((await inside.json() as { error: { code: string } }).error.code, 'user-error');
      const info = await (await post('system.info', {})).json() as { value: { dataRoots: string[] } };
      assert.equal(info.value.dataRoots.length, 2);
    } finally {
      await h.close();
    }
  });
});

describe('host over TLS', () => {
  it('serves HTTPS with the given certificate', async () => {
    const dir = tempDir('gwb-tls-');
    const made = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-days', '1',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { encoding: 'utf8' });
    assert.equal(made.status, 0, made.stderr);
    const api = openTestApi();
    const hosted = createHost({
      dispatch: api.dispatch, subscribe: () => () => {}, rendererDir, token: TOKEN,
      tls: { cert: readFileSync(join(dir, 'cert.pem')), key: readFileSync(join(dir, 'key.pem')) },
    });
    await new Promise<void>((resolve) => hosted.server.listen(0, '127.0.0.1', resolve));
    const port = (hosted.server.address() as AddressInfo).port;
    try {
      const status = await new Promise<number>((resolve, reject) => {
        httpsRequest({ host: '127.0.0.1', port, path: '/', ca: readFileSync(join(dir, 'cert.pem')), servername: '127.0.0.1', rejectUnauthorized: false }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        }).on('error', reject).end();
      });
      assert.equal(status, 200);
    } finally {
      await hosted.close();
      await api.close();
    }
  });
});
