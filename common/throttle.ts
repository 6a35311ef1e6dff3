// Coalescing for work whose cost grows with the number of users (rebuilding a watch list, a coverage set,
// a status line): requests are merged, the work runs on the next microtask when it has not run for
// `intervalMs()`, otherwise once when that interval is over. With an interval that grows with the list
// (e.g. one millisecond per hundred users), small hubs react at once while a hub matching 100,000 users in
// many small steps no longer rebuilds a 100,000-entry list per step (quadratic: minutes at that size).
// The interval is also at least DUTY_FACTOR times the last run's own duration, so the work takes at most a
// tenth of the event loop however slow the machine (at 100,000 users a rebuild takes 0.1–0.2 s here).
const DUTY_FACTOR = 10;

export class Throttle {
  private queued = false;
  private timer: NodeJS.Timeout | undefined;
  private lastRun = Number.NEGATIVE_INFINITY;
  private lastCost = 0;
  private closed = false;

  constructor(
    private readonly fn: () => void,
    private readonly intervalMs: () => number,
  ) {}

  /** Ask for one run; any number of requests before it runs are served by that one run. */
  schedule(): void {
    if (this.queued || this.closed) return;
    this.queued = true;
    const wait = this.lastRun + Math.max(this.intervalMs(), DUTY_FACTOR * this.lastCost) - performance.now();
    if (wait <= 0) queueMicrotask(() => this.run());
    else {
      this.timer = setTimeout(() => this.run(), wait);
      this.timer.unref?.();
    }
  }

  /** Run now if a run is queued (e.g. before reading what it computes). */
  flush(): void {
    if (this.queued) this.run();
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.queued = false;
  }

  private run(): void {
    if (!this.queued || this.closed) return;
    this.queued = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.lastRun = performance.now();
    try {
      this.fn();
    } finally {
      this.lastCost = performance.now() - this.lastRun;
    }
  }
}

/** The interval for a list of `size` entries: 1 ms per 100 entries, at most `capMs`. */
export const perSizeInterval = (size: number, capMs = 1000): number => Math.min(capMs, size / 100);
