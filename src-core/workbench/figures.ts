import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import type { FigureExport, FigureRequest } from '../domain/figures.ts';
import { smooth } from '../domain/smoothing.ts';
import { lineChartSvg } from '../reproduce/svg-plot.ts';
import { displaySeries } from '../store/metrics.ts';
import type { Db } from '../store/open.ts';
import { getRun } from '../store/runs.ts';
import { nearestSample } from '../store/samples.ts';
import { csvField } from '../util/csv.ts';

/**
 * A publication figure: the chosen curves of the chosen runs (legend = run id and
 * metric), optionally the runs' sample grids at one step beneath, and the plotted
 * data as CSV (raw and smoothed), so the figure can be redrawn elsewhere.
 */
export async function exportFigure(db: Db, p: FigureRequest): Promise<FigureExport> {
  const runs = p.runs.map((id) => getRun(db, id));
  const rows: (string | number)[][] = [['run', 'metric', 'step', 'seconds', 'value', 'smoothed']];
  const lines = runs.flatMap((r) => p.keys.map((key) => {
    const points = displaySeries(db, r.pk, key, 5000, p.x);
    const smoothed = smooth(points.map((q) => q.value), p.smoothing);
    points.forEach((q, i) => rows.push([r.id, key, q.step, q.seconds, q.value, smoothed[i]!]));
    const name = runs.length > 1 ? (p.keys.length > 1 ? `${r.id} · ${key}` : r.id) : key;
    return { name, points: points.map((q, i) => ({ x: p.x === 'step' ? q.step : q.seconds, y: smoothed[i]! })) };
  })).filter((l) => l.points.length > 0);
  const xLabel = p.x === 'step' ? 'iteration' : 'training time (s)';
  const yLabel = p.keys.length === 1 ? p.keys[0]! : 'value';
  const title = p.title || (runs.length === 1 ? runs[0]!.id : `${p.keys.join(', ')} of ${runs.length} runs`);
  const chart = lineChartSvg(title, xLabel, yLabel, lines, p.width, p.height);
  let svg = chart;
  let height = p.height;
  if (p.sampleStep !== undefined) {
    const grids = [];
    for (const r of runs) {
      const s = nearestSample(db, r.pk, p.sampleStep);
      if (!s) continue;
      const png = readFileSync(s.path);
      const meta = await sharp(png).metadata();
      grids.push({ run: r.id, step: s.step, png, w: meta.width ?? 1, h: meta.height ?? 1 });
    }
    if (grids.length) {
      const k = Math.max(1, p.width / 720);
      // Each grid gets a slot wide enough for its caption (the run id, then the step, in two lines).
      const font = 11 * k;
      const slot = Math.round(Math.max(...grids.map((g) => g.run.length * font * 0.62), 120 * k));
      const cell = Math.round(Math.min(slot, (p.width - 20 * k) / grids.length - 20 * k, 240 * k));
      const pitch = Math.max(slot, cell) + 20 * k;
      const rowHeight = Math.round(cell + 48 * k);
      const parts = grids.map((g, i) => {
        const centre = 10 * k + i * pitch + pitch / 2 - 10 * k;
        const scale = cell / Math.max(g.w, g.h);
        const [w, h] = [g.w * scale, g.h * scale];
        return `<image x="${(centre - w / 2).toFixed(1)}" y="${(p.height + 8 * k).toFixed(1)}" width="${w.toFixed(1)}" height="${h.toFixed(1)}" image-rendering="pixelated" href="data:image/png;base64,${g.png.toString('base64')}"/>`
          + `<text x="${centre.toFixed(1)}" y="${(p.height + cell + 24 * k).toFixed(1)}" text-anchor="middle" font-size="${font.toFixed(1)}">${g.run.replace(/[<&>]/g, '')}</text>`
          + `<text x="${centre.toFixed(1)}" y="${(p.height + cell + 38 * k).toFixed(1)}" text-anchor="middle" font-size="${font.toFixed(1)}">step ${g.step}</text>`;
      });
      height = p.height + rowHeight;
      svg = [
        `<svg xmlns="http://www.w3.org/2000/svg" width="${p.width}" height="${height}" viewBox="0 0 ${p.width} ${height}" font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="${(12 * k).toFixed(1)}">`,
        `<rect width="100%" height="100%" fill="#fff"/>`,
        chart.replace('<svg ', '<svg x="0" y="0" '),
        ...parts,
        '</svg>',
      ].join('\n');
    }
  }
  const name = `${runs.length === 1 ? runs[0]!.id : `${runs.length}-runs`}-${p.keys.join('-')}`.replace(/[^\w.-]+/g, '_');
  return { svg, csv: `${rows.map((r) => r.map(csvField).join(',')).join('\n')}\n`, name, width: p.width, height };
}
