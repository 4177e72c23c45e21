/**
 * A publication figure: what is asked for (the runs, their curves, the axis, the
 * smoothing, the size, optionally the runs' sample grids at one step) and what comes
 * back (an SVG, the plotted data as CSV, a file name). The API's `export.figure`
 * validates the request; the workbench draws it.
 */

export interface FigureRequest {
  runs: string[];
  keys: string[];
  x: 'step' | 'seconds';
  /** Exponential moving average weight in [0, 1): 0 = raw. */
  smoothing: number;
  /** Empty: the run's id, or the metrics and how many runs. */
  title: string;
  width: number;
  height: number;
  /** Sample grids of these runs at the step nearest this one, beneath the plot. */
  sampleStep?: number;
}

export interface FigureExport {
  svg: string;
  csv: string;
  /** Suggested file name without extension. */
  name: string;
  width: number;
  height: number;
}
