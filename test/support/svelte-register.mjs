import { register } from 'node:module';

register('./svelte-hooks.mjs', import.meta.url);
