/** Series colours, in order: the same on screen (Chart.js) and in exported figures (SVG), so a run keeps its colour. */
export const SERIES_COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf', '#7f7f7f', '#bcbd22'];
