// The collectors' shared clock: collect now and then every interval, never two rounds at once.

export class Periodic {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly work: () => Promise<void>,
    private readonly intervalMs = 5000,
  ) {}

  /** Starts ticking (idempotent); the timer never keeps the process alive. */
  start(): void {
    if (this.timer) return;
    void this.tick();
    this.timer = setInterval(() => void this.tick(), this.intervalMs);
    this.timer.unref();
  }

  /** Stops ticking and waits for a round in flight, so callers can release what it uses. */
  stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    return this.running ?? Promise.resolve();
  }

  /** One round; a tick while a round runs joins it instead of starting a second (a slow guest never piles rounds up). */
  tick(): Promise<void> {
    this.running ??= this.work().finally(() => (this.running = undefined));
    return this.running;
  }
}
