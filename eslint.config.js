// Runtime boundaries are checked by a machine: src-core is plain Node (no Electron,
// no DOM), the renderer is DOM only (no Node built-ins), and only electron/ may
// import electron.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import importX from 'eslint-plugin-import-x';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];
// What the renderer and preload may import of src-core: the API contract's folder (which may
// import only src-core/domain, also browser-safe). Nothing else: no Node, no store, no models.
const RENDERER_FORBIDDEN_CORE = 'src-core/(?!api/contract/|domain/)';

/**
 * src-core's layers, lowest first (docs/architecture.md draws them). A folder may import
 * its own layer and the ones below it, never one above: the rule below is generated from
 * this list, and import-x/no-cycle forbids cycles between files. No exceptions today.
 */
const LAYERS = [
  'util', 'domain', 'presets', 'engine', 'store', 'models', 'data', 'metrics', 'training', 'evaluation', 'runner', 'reproduce',
  'workbench', 'api/contract', 'fleet', 'api/server', 'cli', 'bench',
];
const layerZones = LAYERS.slice(0, -1).map((layer, i) => ({
  target: `./src-core/${layer}`,
  from: LAYERS.slice(i + 1).map((above) => `./src-core/${above}`),
  message: `src-core/${layer} may not import a higher layer (the order: LAYERS in eslint.config.js, docs/architecture.md).`,
}));
// The entry layers call the use cases and nothing below them (issue #31): the CLI and the API service reach the store,
// the data, the presets, the runner, the engine, the networks and the reproductions only through src-core/workbench.
// The ground (util, domain), the transport (api/contract) and the fleet's queue (above the workbench) stay open to them.
const BELOW_THE_USE_CASES = ['presets', 'engine', 'store', 'models', 'data', 'metrics', 'training', 'evaluation', 'runner', 'reproduce'];
layerZones.push(...['cli', 'api/server'].map((entry) => ({
  target: `./src-core/${entry}`,
  from: BELOW_THE_USE_CASES.map((room) => `./src-core/${room}`),
  message: `src-core/${entry} calls the use cases in src-core/workbench, not the layers below them.`,
})));
const DOM_GLOBALS = ['window', 'document', 'navigator', 'localStorage', 'sessionStorage', 'HTMLElement', 'location'];

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'scratch/', 'out/', 'renderer/dist/', 'test-output/', 'build/native/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...svelte.configs.recommended,
  {
    files: ['renderer/**/*.svelte', 'renderer/**/*.svelte.ts'],
    languageOptions: { globals: globals.browser, parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.svelte'] } },
    // Sets and Maps built inside $derived are temporaries, not state; shared state is in $state fields.
    rules: { 'svelte/prefer-svelte-reactivity': 'off' },
  },
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly', performance: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['src-core/**/*.ts'],
    plugins: { 'import-x': importX },
    rules: {
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'import-x/no-restricted-paths': ['error', { zones: layerZones }],
    },
  },
  {
    // The domain and the contract are imported by the renderer: no Node there either.
    files: ['src-core/domain/**/*.ts', 'src-core/api/contract/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: nodeBuiltins.map((name) => ({ name, message: 'src-core/domain and src-core/api/contract are browser-safe: the renderer imports them.' })),
        patterns: [{ regex: '^\\.\\./\\.\\./(?!domain/)|^\\.\\./(?!domain/|contract/)[a-z-]+/', message: 'The contract may import only src-core/domain (both are browser-safe).' }],
      }],
    },
  },
  {
    files: ['src-core/**/*.ts'],
    ignores: ['src-core/domain/**', 'src-core/api/contract/**'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [{ name: 'electron', message: 'src-core is plain Node: the Electron shell imports the core, never the reverse.' }],
        patterns: [{ group: ['electron/*', '**/electron/**', '**/renderer/**'], message: 'src-core may not depend on the shell or the UI.' }],
      }],
      'no-restricted-globals': ['error', ...DOM_GLOBALS.map((name) => ({ name, message: 'src-core runs in Node: no DOM.' }))],
    },
  },
  {
    files: ['renderer/**/*.ts', 'renderer/**/*.svelte'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [
          ...nodeBuiltins.map((name) => ({ name, message: 'The renderer is DOM only: reach the core through the typed API.' })),
          { name: 'electron', message: 'The renderer talks to the shell only through the preload\'s typed API.' },
        ],
        patterns: [{ regex: RENDERER_FORBIDDEN_CORE, message: 'The renderer may import only the API contract (src-core/api/contract/) and, through it, src-core/domain/.' }],
      }],
      'no-restricted-globals': ['error', { name: 'process', message: 'No Node globals in the renderer.' }, { name: 'require', message: 'No Node globals in the renderer.' }],
    },
  },
  {
    files: ['electron/preload/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: nodeBuiltins.map((name) => ({ name, message: 'The preload exposes the typed API and nothing else.' })),
        patterns: [{ regex: RENDERER_FORBIDDEN_CORE, message: 'The preload may import only the API contract (src-core/api/contract/).' }],
      }],
    },
  },
);
