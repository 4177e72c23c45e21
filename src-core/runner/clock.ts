/**
 * A run's training clock. Evaluations pause it, so runs compared by wall time (time
 * to quality, equal budgets) are not charged for being measured; a resumed run's
 * clock goes on from the checkpoint's seconds.
 */
export class TrainingClock {
  private readonly t0 = performance.now();
  private paused = 0;

  constructor(private readonly secondsBefore: number) {}

  /** Training seconds of this session. */
  session(): number {
    return (performance.now() - this.t0) / 1000 - this.paused;
  }

  /** Training seconds of the whole run. */
  elapsed(): number {
    return this.secondsBefore + this.session();
  }

  /** Runs `f` off the clock. */
  async offClock<T>(f: () => T | Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      return await f();
    } finally {
      this.paused += (performance.now() - started) / 1000;
    }
  }
}
