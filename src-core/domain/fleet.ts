/** What the fleet's coordinator and workers exchange (and the API carries). Browser-safe. */

/** What a fleet worker receives when it claims a run. */
export interface FleetClaim {
  /** The run is already complete (a job run twice after a Redis restart): nothing to do. */
  done: boolean;
  run: string;
  config: Record<string, unknown>;
  backendChoice: string;
  /** The last checkpoint the coordinator holds: the worker resumes from it. */
  checkpoint: { step: number; sha256: string; bytes: number } | null;
  /** The dataset bundle the run trains on (for `data.source = dataset`), fetched once per checksum. */
  dataset: { id: number; sha256: string; bytes: number } | null;
}
