/**
 * The things a runner does besides training, each on its own cadence. The loop calls
 * every cadence after each iteration and once at the end; a fresh run also calls
 * `start` at step 0. The order of a list is the order they run in.
 */
export interface Cadence {
  /** At step 0 of a fresh run (not on resume). */
  start?(): Promise<void> | void;
  /** After the iteration that reached `step` (its losses are in the recorder, perhaps still on the device). */
  afterStep(step: number): Promise<void> | void;
  /** After the last iteration of the session: the run's last state is always shown, measured and saved. */
  finish(step: number): Promise<void> | void;
}

/** True when `step` is a multiple of a positive `every` (0: never). */
export const isDue = (every: number, step: number) => every > 0 && step % every === 0;

/** Something done every `every` iterations, at step 0 and at the end (when the end is off the cadence). */
export function everyIterations(every: number, action: () => Promise<void> | void): Cadence {
  return {
    start: () => (every > 0 ? action() : undefined),
    afterStep: (step) => (isDue(every, step) ? action() : undefined),
    finish: (step) => (every > 0 && !isDue(every, step) ? action() : undefined),
  };
}
