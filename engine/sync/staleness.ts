// Staleness of one side's facts: a side whose adapter has been offline for longer than `afterMs` has facts
// nobody can vouch for. They are forgotten and the opposite side is made neutral, so nobody stays diverted
// or in Do Not Disturb because a system went away. One watch per PBX connector and one for Teams.
export class StaleWatch {
  private timer: NodeJS.Timeout | undefined;
  private isStale = false;

  constructor(
    private readonly afterMs: number,
    private readonly onStale: () => void,
  ) {}

  get stale(): boolean {
    return this.isStale;
  }

  /** The adapter went offline: start counting (once). */
  offline(): void {
    if (this.timer || this.isStale) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.isStale = true;
      this.onStale();
    }, this.afterMs);
    this.timer.unref?.();
  }

  /** The adapter is back (or replaced): stop counting. Returns whether the facts had become stale. */
  online(): boolean {
    this.cancel();
    const was = this.isStale;
    this.isStale = false;
    return was;
  }

  /** Whether the adapter is offline and counting or already stale. */
  get counting(): boolean {
    return this.timer !== undefined || this.isStale;
  }

  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
