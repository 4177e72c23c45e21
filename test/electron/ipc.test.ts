import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { handleIpcCall } from '../../electron/main/ipc.ts';
import { APP_ORIGIN } from '../../electron/main/security.ts';
import { appPaths } from '../../electron/main/paths.ts';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDispatcher } from '../../src-core/api/server/dispatcher.ts';
import { createService } from '../../src-core/api/server/service/index.ts';
import { tempDir } from '../helpers.ts';

describe('IPC binding', () => {
  it('dispatches only calls from the app\'s own top-level frame', async () => {
    const calls: unknown[] = [];
    const dispatch = async (method: unknown, payload: unknown) => {
      calls.push([method, payload]);
      return { ok: true as const, value: 'done' };
    };
    assert.deepEqual(await handleIpcCall(`${APP_ORIGIN}/index.html`, true, 'runs.list', {}, dispatch), { ok: true, value: 'done' });
    for (const [url, main] of [['https://evil.example/', true], ['file:///etc/passwd', true], [undefined, true], [`${APP_ORIGIN}/index.html`, false], ['app://other/index.html', true]] as const) {
      const r = await handleIpcCall(url, main, 'runs.delete', { run: 'x' }, dispatch);
      assert.equal(!r.ok && r.error.code, 'unauthorized', String(url));
    }
    assert.equal(calls.length, 1);
  });

  it('passes malformed calls to the dispatcher, which refuses them', async () => {
    const service = createService({ home: tempDir('gwb-ipc-'), shell: 'electron' });
    const dispatch = createDispatcher(service.handlers);
    const unknown = await handleIpcCall(`${APP_ORIGIN}/`, true, 'shell.exec', {}, dispatch);
    assert.equal(!unknown.ok && unknown.error.code, 'unknown-method');
    const malformed = await handleIpcCall(`${APP_ORIGIN}/`, true, 'runs.get', { run: 5 }, dispatch);
    assert.equal(!malformed.ok && malformed.error.code, 'invalid-payload');
    await service.close();
  });
});

describe('the app\'s parts', () => {
  it('are where the main process looks for them (the core, the renderer)', () => {
    const paths = appPaths(fileURLToPath(new URL('../..', import.meta.url)));
    assert.ok(existsSync(paths.core), paths.core);
    assert.ok(existsSync(join(paths.renderer, 'index.html')), 'npm install builds the renderer');
  });
});
