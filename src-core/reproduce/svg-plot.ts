/** A minimal line chart as SVG (axes, ticks, legend): the report's figures need no browser. */
export interface Line {
  name: string;
  points: { x: number; y: number }[];
}

const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf', '#7f7f7f', '#bcbd22'];

function ticks(lo: number, hi: number, n = 5): number[] {
  const span = hi - lo || 1;
  const step = 10 ** Math.floor(Math.log10(span / n));
  const nice = [1, 2, 5, 10].map((m) => m * step).find((s) => span / s <= n) ?? step * 10;
  const out: number[] = [];
  for (let v = Math.ceil(lo / nice) * nice; v <= hi + 1e-12; v += nice) out.push(Number(v.toPrecision(12)));
  return out;
}

export function lineChartSvg(title: string, xLabel: string, yLabel: string, lines: Line[], width = 720, height = 420): string {
  const m = { left: 70, right: 190, top: 40, bottom: 55 };
  const all = lines.flatMap((l) => l.points);
  const xs = all.map((p) => p.x);
  const ys = all.map((p) => p.y);
  const [x0, x1] = [Math.min(0, ...xs), Math.max(1e-9, ...xs)];
  const [y0, y1] = [Math.min(...ys, 0), Math.max(...ys, 1e-9)];
  const px = (x: number) => m.left + ((x - x0) / (x1 - x0 || 1)) * (width - m.left - m.right);
  const py = (y: number) => height - m.bottom - ((y - y0) / (y1 - y0 || 1)) * (height - m.top - m.bottom);
  const esc = (s: string) => s.replace(/[<&>]/g, (c) => ({ '<': '&lt;', '&': '&amp;', '>': '&gt;' })[c]!);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="${width / 2}" y="22" text-anchor="middle" font-size="15">${esc(title)}</text>`,
    `<line x1="${m.left}" y1="${height - m.bottom}" x2="${width - m.right}" y2="${height - m.bottom}" stroke="#333"/>`,
    `<line x1="${m.left}" y1="${m.top}" x2="${m.left}" y2="${height - m.bottom}" stroke="#333"/>`,
    ...ticks(x0, x1).map((t) => `<line x1="${px(t)}" y1="${height - m.bottom}" x2="${px(t)}" y2="${height - m.bottom + 5}" stroke="#333"/><text x="${px(t)}" y="${height - m.bottom + 18}" text-anchor="middle">${t}</text>`),
    ...ticks(y0, y1).map((t) => `<line x1="${m.left - 5}" y1="${py(t)}" x2="${width - m.right}" y2="${py(t)}" stroke="#eee"/><text x="${m.left - 8}" y="${py(t) + 4}" text-anchor="end">${t}</text>`),
    `<text x="${(m.left + width - m.right) / 2}" y="${height - 12}" text-anchor="middle">${esc(xLabel)}</text>`,
    `<text transform="translate(18 ${(m.top + height - m.bottom) / 2}) rotate(-90)" text-anchor="middle">${esc(yLabel)}</text>`,
  ];
  lines.forEach((l, i) => {
    const c = COLOURS[i % COLOURS.length];
    if (l.points.length) parts.push(`<polyline fill="none" stroke="${c}" stroke-width="2" points="${l.points.map((p) => `${px(p.x).toFixed(1)},${py(p.y).toFixed(1)}`).join(' ')}"/>`);
    parts.push(`<line x1="${width - m.right + 15}" y1="${m.top + 10 + i * 18}" x2="${width - m.right + 35}" y2="${m.top + 10 + i * 18}" stroke="${c}" stroke-width="3"/>`,
      `<text x="${width - m.right + 40}" y="${m.top + 14 + i * 18}">${esc(l.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}
