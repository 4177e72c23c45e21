/** A one-line progress bar with it/s and ETA, redrawn in place on a terminal. */
export class ProgressBar {
  private lastDraw = 0;
  private lastLine = '';

  constructor(private readonly stream: NodeJS.WriteStream, private readonly total: number, private readonly from: number) {}

  update(step: number, itPerSec: number, etaSeconds: number | null, losses: Record<string, number>, force = false): void {
    const now = Date.now();
    // Off a terminal, a line every 2 s; on one, at most 10 redraws a second.
    const interval = this.stream.isTTY ? 100 : 2000;
    if (!force && now - this.lastDraw < interval) return;
    this.lastDraw = now;
    const width = 24;
    const share = this.total > this.from ? (step - this.from) / (this.total - this.from) : 1;
    const filled = Math.round(Math.min(1, Math.max(0, share)) * width);
    const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
    const lossText = Object.entries(losses).map(([k, v]) => `${k}=${formatNumber(v)}`).join(' ');
    const line = `${bar} ${step}/${this.total} ${itPerSec.toFixed(2)} it/s ETA ${formatDuration(etaSeconds)} ${lossText}`;
    this.lastLine = line;
    if (this.stream.isTTY) this.stream.write(`\r\x1b[2K${line}`);
    else this.stream.write(`${line}\n`);
  }

  /** Ends the bar's line so later output starts on a fresh one. */
  finish(): void {
    if (this.stream.isTTY && this.lastLine) this.stream.write('\n');
  }

  /** Prints a message above the bar. */
  log(text: string): void {
    if (this.stream.isTTY && this.lastLine) this.stream.write(`\r\x1b[2K${text}\n${this.lastLine}`);
    else this.stream.write(`${text}\n`);
  }
}

export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

function formatNumber(v: number): string {
  return Math.abs(v) >= 1000 || (Math.abs(v) < 0.001 && v !== 0) ? v.toExponential(2) : v.toFixed(4);
}
