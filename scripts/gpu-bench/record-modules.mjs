// Loaded with --import while scripts/gpu-bench/pack.mjs runs the bench once: records every
// file the process loads — ES modules through a resolve hook (appended to
// $GWB_RECORD_MODULES.esm as they resolve), CommonJS files (native addons included) from
// require.cache on exit — so the pack copies exactly the node_modules files the bench needs.
import { writeFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';

const require = createRequire(import.meta.url);
register('./record-hooks.mjs', import.meta.url);
process.on('exit', () => writeFileSync(process.env.GWB_RECORD_MODULES, JSON.stringify(Object.keys(require.cache))));
