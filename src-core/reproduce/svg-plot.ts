import { SERIES_COLOURS as COLOURS } from '../domain/palette.ts';

/** A minimal line chart as SVG (axes, ticks, legend): the report's figures need no browser. */
export interface Line {
  name: string;
  points: { x: number; y: number }[];
  /** Palette index (default: the line's position); lines of one experiment share it. */
  colour?: number;
  /** Stroke width at 1× scale (default 2) and opacity (default 1): thin, faint lines for single seeds. */
  width?: number;
  opacity?: number;
  /** Dashed (a reference level such as real data). */
  dashed?: boolean;
  /** Listed in the legend (default true). */
  legend?: boolean;
}


function ticks(lo: number, hi: number, n = 5): number[] {
  const span = hi - lo || 1;
  const step = 10 ** Math.floor(Math.log10(span / n));
  const nice = [1, 2, 5, 10].map((m) => m * step).find((s) => span / s <= n) ?? step * 10;
  const out: number[] = [];
  for (let v = Math.ceil(lo / nice) * nice; v <= hi + 1e-12; v += nice) out.push(Number(v.toPrecision(12)));
  return out;
}

/**
 * A line chart: axes with ticks, axis labels, a legend (a column at the right for
 * short names, rows below the plot for long ones such as run ids).
 * Fonts and margins scale with the figure (1 at 720×420), so a large export keeps
 * its proportions instead of shrinking its text.
 */
export function lineChartSvg(title: string, xLabel: string, yLabel: string, lines: Line[], width = 720, height = 420): string {
  const k = Math.max(1, Math.min(width / 720, height / 420));
  const font = 12 * k;
  const listed = lines.filter((l) => l.legend !== false);
  const longest = Math.max(0, ...listed.map((l) => l.name.length));
  // Short names sit in a column at the right; long ones (run ids) in rows below the axis label.
  const below = longest > 16;
  const legend = below ? 20 * k : Math.min(width * 0.45, (45 + longest * 7) * k);
  const legendRows = below ? listed.length * 18 * k + 6 * k : 0;
  const m = { left: 70 * k, right: legend, top: 40 * k, bottom: 55 * k + legendRows };
  const all = lines.flatMap((l) => l.points);
  const xs = all.map((p) => p.x);
  const ys = all.map((p) => p.y);
  const [x0, x1] = [Math.min(0, ...xs), Math.max(1e-9, ...xs)];
  const [y0, y1] = [Math.min(...ys, 0), Math.max(...ys, 1e-9)];
  const px = (x: number) => m.left + ((x - x0) / (x1 - x0 || 1)) * (width - m.left - m.right);
  const py = (y: number) => height - m.bottom - ((y - y0) / (y1 - y0 || 1)) * (height - m.top - m.bottom);
  const esc = (t: string) => t.replace(/[<&>"]/g, (c) => ({ '<': '&lt;', '&': '&amp;', '>': '&gt;', '"': '&quot;' })[c]!);
  const f = (v: number) => Number(v.toFixed(1));
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="${f(font)}">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="${width / 2}" y="${f(24 * k)}" text-anchor="middle" font-size="${f(font * 1.25)}">${esc(title)}</text>`,
    `<line x1="${f(m.left)}" y1="${f(height - m.bottom)}" x2="${f(width - m.right)}" y2="${f(height - m.bottom)}" stroke="#333"/>`,
    `<line x1="${f(m.left)}" y1="${f(m.top)}" x2="${f(m.left)}" y2="${f(height - m.bottom)}" stroke="#333"/>`,
    ...ticks(x0, x1).map((t) => `<line x1="${f(px(t))}" y1="${f(height - m.bottom)}" x2="${f(px(t))}" y2="${f(height - m.bottom + 5 * k)}" stroke="#333"/><text x="${f(px(t))}" y="${f(height - m.bottom + 18 * k)}" text-anchor="middle">${t}</text>`),
    ...ticks(y0, y1).map((t) => `<line x1="${f(m.left - 5 * k)}" y1="${f(py(t))}" x2="${f(width - m.right)}" y2="${f(py(t))}" stroke="#eee"/><text x="${f(m.left - 8 * k)}" y="${f(py(t) + 4 * k)}" text-anchor="end">${t}</text>`),
    `<text x="${f((m.left + width - m.right) / 2)}" y="${f(height - legendRows - 12 * k)}" text-anchor="middle">${esc(xLabel)}</text>`,
    `<text transform="translate(${f(18 * k)} ${f((m.top + height - m.bottom) / 2)}) rotate(-90)" text-anchor="middle">${esc(yLabel)}</text>`,
  ];
  const colourOf = (l: Line, i: number) => (l.dashed && l.colour === undefined ? '#555' : COLOURS[(l.colour ?? i) % COLOURS.length]);
  const stroke = (l: Line) => `stroke-width="${f((l.width ?? 2) * k)}"${l.opacity !== undefined ? ` stroke-opacity="${l.opacity}"` : ''}${l.dashed ? ` stroke-dasharray="${f(6 * k)} ${f(4 * k)}"` : ''}`;
  lines.forEach((l, i) => {
    if (l.points.length) parts.push(`<polyline fill="none" stroke="${colourOf(l, i)}" ${stroke(l)} stroke-linejoin="round" points="${l.points.map((p) => `${px(p.x).toFixed(1)},${py(p.y).toFixed(1)}`).join(' ')}"/>`);
  });
  lines.filter((l) => l.legend !== false).forEach((l, row) => {
    const y = below ? height - legendRows + (8 + row * 18) * k : m.top + (10 + row * 18) * k;
    const lx = below ? m.left - 40 * k : width - m.right;
    parts.push(`<line x1="${f(lx + 15 * k)}" y1="${f(y)}" x2="${f(lx + 35 * k)}" y2="${f(y)}" stroke="${colourOf(l, lines.indexOf(l))}" ${stroke({ ...l, width: 3, opacity: undefined })}/>`,
      `<text x="${f(lx + 40 * k)}" y="${f(y + 4 * k)}">${esc(l.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}
