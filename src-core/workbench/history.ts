/**
 * The run history as the entry layers browse it: runs listed, filtered and compared,
 * tagged and annotated; their recorded curves, samples and checkpoints. These are the
 * store's own queries, passed through so the CLI and the API service reach the store
 * only through the use-case layer (docs/architecture.md, "Layers").
 */
export { addTag, configDiff, countRuns, getRun, listRuns, removeTag, setNotes, type RunListItem, type RunRow } from '../store/runs.ts';
export { displaySeries, metricKeys, metricsCsv, metricsJson, type MetricPoint, type SeriesPoint } from '../store/metrics.ts';
export { listSamples, nearestSample } from '../store/samples.ts';
export { getCheckpoint } from '../store/checkpoints.ts';
