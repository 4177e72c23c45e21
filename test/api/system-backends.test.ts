import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { ApiClient, type Transport } from '../../renderer/src/lib/api.ts';
import { SystemState } from '../../renderer/src/state/system.svelte.ts';
import { ladderFor } from '../../src-core/engine/backend.ts';
import { openTestApi } from './fixtures.ts';
import { SWIFTSHADER, webgpuMissing } from '../support/webgpu.ts';

describe('the backend ladder, by what the backend is for', () => {
  it('training may use every rung when chosen; auto does not take WebGPU yet; tools that read synchronously never get it', () => {
    assert.deepEqual(ladderFor('auto', 'training'), ['tensorflow', 'wasm', 'cpu']);
    assert.deepEqual(ladderFor('auto', 'sync'), ['tensorflow', 'wasm', 'cpu']);
    assert.deepEqual(ladderFor('webgpu', 'training'), ['webgpu', 'wasm', 'cpu']);
    assert.deepEqual(ladderFor('webgpu', 'sync'), ['wasm', 'cpu']);
    assert.deepEqual(ladderFor('tensorflow', 'training'), ['tensorflow', 'webgpu', 'wasm', 'cpu']);
    assert.deepEqual(ladderFor('cpu', 'training'), ['cpu']);
  });
});

describe('system.backends: the ladder as this machine offers it, probed in a child process', { timeout: 240_000 }, () => {
  const api = openTestApi();
  const client = new ApiClient({ kind: 'browser', call: api.dispatch, subscribe: api.service.subscribe, onConnection: () => () => {} } satisfies Transport);
  after(() => api.close());

  it('lists every rung with its state, the adapters, and what auto picks (software WebGPU is listed, never picked)', { skip: webgpuMissing ?? false }, async () => {
    const b = await client.call('system.backends', {});
    assert.deepEqual(b.rungs.map((r) => r.name), ['tensorflow', 'webgpu', 'wasm', 'cpu']);
    const rung = (n: string) => b.rungs.find((r) => r.name === n)!;
    assert.equal(rung('tensorflow').available, false);
    assert.match(rung('tensorflow').detail, /tfjs-node-gpu is not installed/);
    assert.equal(rung('wasm').available, true);
    assert.match(rung('wasm').detail, /^4\.22\.0 \(simd/);
    assert.ok(b.adapters.some((a) => a.software && /swiftshader/i.test(`${a.vendor} ${a.description}`)), JSON.stringify(b.adapters));
    assert.equal(rung('webgpu').available, false);
    assert.match(rung('webgpu').detail, /only a software adapter .*swiftshader/i);
    assert.deepEqual(b.auto, { runs: 'wasm', tools: 'wasm' });
    // Kept for the host's life; a refresh probes again.
    assert.equal((await client.call('system.backends', {})).probedAt, b.probedAt);
    assert.notEqual((await client.call('system.backends', { refresh: true })).probedAt, b.probedAt);
  });

  it('with no Vulkan driver, WebGPU says why in one line and no adapter is listed', async () => {
    const previous = process.env.VK_ICD_FILENAMES;
    process.env.VK_ICD_FILENAMES = '/nonexistent/vulkan_icd.json';
    try {
      const b = await client.call('system.backends', { refresh: true });
      assert.deepEqual(b.adapters, []);
      const webgpu = b.rungs.find((r) => r.name === 'webgpu')!;
      assert.equal(webgpu.available, false);
      assert.match(webgpu.detail, /^no WebGPU adapter/);
      assert.doesNotMatch(webgpu.detail, /\n/);
    } finally {
      process.env.VK_ICD_FILENAMES = previous ?? SWIFTSHADER;
    }
  });

  it('the system view says which backend a new run will use, and new runs ask for the chosen one', async () => {
    const store = new Map<string, string>();
    const storage = { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => void store.set(k, v) };
    const sys = new SystemState(client, storage);
    await sys.load();
    assert.equal(sys.error, null);
    assert.equal(sys.info?.home, api.home);
    assert.deepEqual(sys.newRun, { name: 'wasm', why: 'auto' });
    assert.equal(sys.requestedBackend, undefined, 'auto: the host decides');
    sys.choose('tensorflow');
    assert.deepEqual(sys.newRun, { name: 'wasm', why: 'tensorflow unavailable' });
    sys.choose('cpu');
    assert.deepEqual(sys.newRun, { name: 'cpu', why: 'chosen' });
    assert.equal(sys.requestedBackend, 'cpu');
    assert.equal(new SystemState(client, storage).backendChoice, 'cpu', 'the setting is remembered');
  });
});
