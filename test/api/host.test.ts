import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import WebSocket from 'ws';
import { HTTP_API_PREFIX, TOKEN_PARAM, WS_EVENTS_PATH } from '../../src-core/api/contract/channels.ts';
import { createHost, tokenMatches, type HostServer } from '../../src-core/api/server/host.ts';
import { tempDir } from '../helpers.ts';
import { openTestApi } from './fixtures.ts';

describe('headless host', () => {
  const api = openTestApi();
  const token = 'host-test-token';
  const rendererDir = tempDir('gwb-renderer-');
  let hosted: HostServer;
  let origin = '';
  const post = (method: string, body: unknown, auth?: string) => fetch(`${origin}${HTTP_API_PREFIX}${method}`, {
    method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body), headers: auth === undefined ? {} : { Authorization: `Bearer ${auth}` },
  });

  before(async () => {
    mkdirSync(join(rendererDir, 'assets'), { recursive: true });
    writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>t</title>');
    writeFileSync(join(rendererDir, 'assets', 'app.js'), 'console.log(1)');
    writeFileSync(join(api.home, 'secret.txt'), 'secret');
    hosted = createHost({ dispatch: api.dispatch, subscribe: api.service.subscribe, rendererDir, token });
    await new Promise<void>((resolve) => hosted.server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(hosted.server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await hosted.close();
    await api.close();
  });

  it('compares tokens exactly', () => {
    assert.equal(tokenMatches('abc', 'abc'), true);
    assert.equal(tokenMatches('abc', 'abcd'), false);
    assert.equal(tokenMatches('abc', ''), false);
    assert.equal(tokenMatches('abc', undefined), false);
  });

  it('answers 401 and no data to a missing or wrong token', async () => {
    for (const auth of [undefined, '', 'wrong', `${token}x`]) {
      const r = await post('runs.list', {}, auth);
      assert.equal(r.status, 401);
      const body = await r.json() as { ok: boolean; value?: unknown; error: { code: string } };
      assert.deepEqual([body.ok, body.value, body.error.code], [false, undefined, 'unauthorized']);
    }
  });

  it('serves calls with the token; malformed JSON, payloads and methods get typed errors', async () => {
    const ok = await post('runs.list', {}, token);
    assert.equal(ok.status, 200);
    assert.deepEqual(await ok.json(), { ok: true, value: { runs: [], total: 0 } });
    const badJson = await post('runs.list', '{not json', token);
    assert.equal(badJson.status, 400);
    assert.equal((await badJson.json() as { error: { code: string } }).error.code, 'invalid-payload');
    const badPayload = await post('runs.list', { limit: 'many' }, token);
    assert.equal(badPayload.status, 400);
    const unknown = await post('system.format', {}, token);
    assert.equal(unknown.status, 404);
    assert.equal((await unknown.json() as { error: { code: string } }).error.code, 'unknown-method');
    const get = await fetch(`${origin}${HTTP_API_PREFIX}runs.list`, { headers: { Authorization: `Bearer ${token}` } });
    assert.equal(get.status, 405);
  });

  it('serves the renderer with a CSP, and nothing outside its folder', async () => {
    const index = await fetch(`${origin}/`);
    assert.equal(index.status, 200);
    assert.match(index.headers.get('content-security-policy') ?? '', /default-src 'none'/);
    assert.equal((await fetch(`${origin}/assets/app.js`)).headers.get('content-type'), 'text/javascript; charset=utf-8');
    for (const path of ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/..%2f..%2fsecret.txt', '/%00']) {
      const r = await fetch(`${origin}${path}`);
      assert.equal(r.status === 404 || r.status === 400, true, path);
      assert.doesNotMatch(await r.text(), /secret/);
    }
  });

  it('refuses the event socket without the token, and streams events with it', async () => {
    const refused = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`${origin.replace('http', 'ws')}${WS_EVENTS_PATH}?${TOKEN_PARAM}=wrong`);
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('open', () => resolve(101));
    });
    assert.equal(refused, 401);
    const ws = new WebSocket(`${origin.replace('http', 'ws')}${WS_EVENTS_PATH}?${TOKEN_PARAM}=${token}`);
    await new Promise((resolve) => ws.on('open', resolve));
    const received = new Promise<unknown>((resolve) => ws.on('message', (m) => resolve(JSON.parse(String(m)))));
    const task = await (await post('datasets.synthCaptchas', { count: 8, seed: 2 }, token)).json() as { value: { task: string } };
    const first = await received as { topic: string; task: string };
    assert.equal(first.topic, 'task');
    assert.equal(first.task, task.value.task);
    ws.close();
  });
});
