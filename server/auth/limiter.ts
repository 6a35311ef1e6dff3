// Counts failed logins per client address in a sliding window; only failures count, so a correct login
// is never slowed down. Small on purpose (one process, one admin) instead of a general rate limiter.

export class FailedLoginLimiter {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly maxFailures = 5,
    private readonly windowMs = 15 * 60_000,
  ) {}

  /** Seconds until the next attempt is allowed, or 0 when the address may try now. */
  retryAfter(ip: string, now = Date.now()): number {
    const list = this.prune(ip, now);
    if (list.length < this.maxFailures) return 0;
    return Math.max(1, Math.ceil((list[0] + this.windowMs - now) / 1000));
  }

  fail(ip: string, now = Date.now()): void {
    const list = this.prune(ip, now);
    list.push(now);
    this.failures.set(ip, list);
    if (this.failures.size > 10_000) this.failures.delete(this.failures.keys().next().value as string);
  }

  succeed(ip: string): void {
    this.failures.delete(ip);
  }

  private prune(ip: string, now: number): number[] {
    const list = (this.failures.get(ip) ?? []).filter((t) => t > now - this.windowMs);
    if (list.length === 0) this.failures.delete(ip);
    else this.failures.set(ip, list);
    return list;
  }
}
