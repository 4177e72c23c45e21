/**
 * The host under load: 200 event-socket clients connected while 10,000 API calls
 * are made; every call answers, and the host's memory (its resident set, read from
 * /proc) stays flat between the warm-up and the end.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import WebSocket from 'ws';
import { HTTP_API_PREFIX, TOKEN_PARAM, WS_EVENTS_PATH } from '../../src-core/api/contract/channels.ts';
import { startHost } from '../e2e/harness.ts';
import { tempDir } from '../helpers.ts';

const CLIENTS = 200;
const CALLS = 10_000;
const IN_FLIGHT = 32;

const rssMiB = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

describe('host under load', () => {
  it(`${CLIENTS} socket clients and ${CALLS.toLocaleString('en')} calls: no error, memory flat`, async (t) => {
    const token = 'load-token';
    const host = await startHost(tempDir(), token);
    try {
      const sockets = await Promise.all(Array.from({ length: CLIENTS }, () => new Promise<WebSocket>((resolve, reject) => {
        const ws = new WebSocket(`${host.origin.replace('http', 'ws')}${WS_EVENTS_PATH}?${TOKEN_PARAM}=${token}`);
        ws.on('open', () => resolve(ws));
        ws.on('error', reject);
      })));
      const methods = ['runs.list', 'system.info', 'datasets.list', 'presets.validate'] as const;
      const payload = (m: (typeof methods)[number]) => (m === 'presets.validate' ? { preset: 'captcha-dcgan', overrides: { 'clip.value': '0.02' } } : {});
      let done = 0;
      let errors = 0;
      let warm = 0;
      const worker = async () => {
        while (done < CALLS) {
          const m = methods[done % methods.length]!;
          done += 1;
          const r = await fetch(`${host.origin}${HTTP_API_PREFIX}${m}`, {
            method: 'POST', body: JSON.stringify(payload(m)), headers: { Authorization: `Bearer ${token}` },
          });
          const body = await r.json() as { ok: boolean };
          if (!body.ok) errors += 1;
          if (done === CALLS / 5 && !warm) warm = rssMiB(host.process.pid!);
        }
      };
      const t0 = performance.now();
      await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
      const seconds = (performance.now() - t0) / 1000;
      const end = rssMiB(host.process.pid!);
      const open = sockets.filter((s) => s.readyState === WebSocket.OPEN).length;
      for (const s of sockets) s.terminate();
      t.diagnostic(`${CALLS} calls in ${seconds.toFixed(1)} s (${Math.round(CALLS / seconds)}/s) with ${open} sockets open; host RSS ${warm.toFixed(0)} MiB after ${CALLS / 5} calls, ${end.toFixed(0)} MiB after ${CALLS}`);
      assert.equal(errors, 0);
      assert.equal(open, CLIENTS);
      assert.ok(end - warm < 40, `host memory grew ${(end - warm).toFixed(1)} MiB between ${CALLS / 5} and ${CALLS} calls`);
    } finally {
      await host.stop();
    }
  });
});
