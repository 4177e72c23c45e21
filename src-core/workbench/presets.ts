/**
 * The presets as the entry layers offer them: the catalogue, what changed since a run's
 * preset version, the editable settings with their choices, a preset resolved with
 * overrides (a ConfigError names the field that is wrong).
 */
export { changesSince, PRESETS } from '../presets/catalog.ts';
export { CHOICES, editableSettings, resolveConfig } from '../presets/resolve.ts';
