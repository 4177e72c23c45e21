// Runtime boundaries are checked by a machine: src-core is plain Node (no Electron,
// no DOM), the renderer is DOM only (no Node built-ins), and only electron/ may
// import electron.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];
// src-core modules the renderer and preload may import: the contract and plain data helpers, no Node.
const RENDERER_FORBIDDEN_CORE = 'src-core/(?!api/(contract|types|events|errors|channels|bridge|smoothing|palette)\\.ts$)';
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
        patterns: [{ regex: RENDERER_FORBIDDEN_CORE, message: 'The renderer may import only the API contract\'s browser-safe modules (src-core/api: contract, types, events, errors, channels, bridge, smoothing, palette).' }],
      }],
      'no-restricted-globals': ['error', { name: 'process', message: 'No Node globals in the renderer.' }, { name: 'require', message: 'No Node globals in the renderer.' }],
    },
  },
  {
    files: ['electron/preload/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: nodeBuiltins.map((name) => ({ name, message: 'The preload exposes the typed API and nothing else.' })),
        patterns: [{ regex: RENDERER_FORBIDDEN_CORE, message: 'The preload may import only the API contract (src-core/api).' }],
      }],
    },
  },
);
