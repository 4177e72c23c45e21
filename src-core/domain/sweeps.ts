/** Sweep results shared by the use cases and the API. Browser-safe. */

/** One configuration of a sweep (preset × grid values) across its seeds: the chosen metric's last values. */
export interface SweepGroup {
  preset: string;
  settings: Record<string, string>;
  runs: string[];
  /** Last values of the metric, one per run that has it; median and spread across seeds. */
  values: number[];
  median: number | null;
  min: number | null;
  max: number | null;
}
