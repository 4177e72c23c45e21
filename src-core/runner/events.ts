/**
 * A runner's events are the API's run events: the runner process sends exactly
 * what the host forwards to the UI (src-core/api/events.ts holds the one definition).
 */
export type { RunProgressEvent as RunEvent, RunSummary } from '../domain/run-events.ts';

/** Messages the parent sends to a runner process. */
export type RunnerCommand = { type: 'stop' };
