/**
 * Builds the workbench's reference recogniser in a home's cache, exactly as a run's
 * first evaluation would (src-core/evaluation/reference-recognizer.ts). The test
 * harness runs it once per `npm test` and copies the cache into the homes that
 * measure quality, instead of every such test training the same recogniser again.
 */
import { initBackend } from '../../src-core/engine/backend.ts';
import { recognizerForRun } from '../../src-core/evaluation/reference-recognizer.ts';
import { disposeNetwork } from '../../src-core/models/network.ts';

const home = process.argv[2];
if (!home) throw new Error('usage: build-reference.ts HOME');
await initBackend('wasm');
const { net } = await recognizerForRun(home, undefined, { source: 'synth-captchas' });
disposeNetwork(net);
