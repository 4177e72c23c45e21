import { getContext } from 'svelte';
import type { AppState } from '../state/app.svelte.ts';

/** The app state reaches every component through Svelte's context (given at mount). */
export const APP_CONTEXT = Symbol('app');
export const useApp = () => getContext<AppState>(APP_CONTEXT);
