// Counts failed logins per client address in a sliding window, and caps the attempts in flight per address.
// An attempt is counted as a failure *before* the password is hashed (scrypt takes long enough for dozens of
// parallel requests to pass a check-then-record limiter) and forgiven only by a correct login. Only the
// address's own history matters, so a correct login is never refused because of other addresses' failures.
// Small on purpose (one process, one admin) instead of a general rate limiter.

/** An admitted login attempt; settle it exactly once with `succeed` or `fail`. */
export interface LoginAttempt {
  readonly key: string;
}

export type Admission =
  | { attempt: LoginAttempt }
  | { retryAfterSeconds: number; reason: "failures" | "in-flight" };

export class FailedLoginLimiter {
  private readonly failures = new Map<string, number[]>();
  private readonly inFlight = new Map<string, number>();

  constructor(
    private readonly maxFailures = 5,
    private readonly windowMs = 15 * 60_000,
    /** Attempts one address may have hashing at once (a human needs one; two tolerates a double click). */
    private readonly maxInFlight = 2,
  ) {}

  /** Seconds until the next attempt is allowed, or 0 when the address may try now. */
  retryAfter(key: string, now = Date.now()): number {
    return this.check(key, now)?.retryAfterSeconds ?? 0;
  }

  /** Admit an attempt (and count it as failed until `succeed`), or say how long the address must wait. */
  begin(key: string, now = Date.now()): Admission {
    const refused = this.check(key, now);
    if (refused) return refused;
    const list = this.failures.get(key) ?? [];
    list.push(now);
    this.failures.delete(key); // re-insert: Map order = last activity, so eviction below hits idle addresses
    this.failures.set(key, list);
    // Bound memory against address-hopping clients: forget the oldest address (its attempts are long done).
    if (this.failures.size > 10_000) {
      const oldest = this.failures.keys().next().value as string;
      if (!this.inFlight.has(oldest)) this.failures.delete(oldest);
    }
    this.inFlight.set(key, (this.inFlight.get(key) ?? 0) + 1);
    return { attempt: { key } };
  }

  /** A correct login: the address's failures are forgiven (also the in-flight ones already counted). */
  succeed(attempt: LoginAttempt): void {
    this.failures.delete(attempt.key);
    this.release(attempt.key);
  }

  /** A wrong login: it was counted in `begin` already. */
  fail(attempt: LoginAttempt): void {
    this.release(attempt.key);
  }

  private check(key: string, now: number): Extract<Admission, { reason: string }> | undefined {
    const list = this.prune(key, now);
    if (list.length >= this.maxFailures) {
      return { retryAfterSeconds: Math.max(1, Math.ceil((list[0] + this.windowMs - now) / 1000)), reason: "failures" };
    }
    if ((this.inFlight.get(key) ?? 0) >= this.maxInFlight) return { retryAfterSeconds: 1, reason: "in-flight" };
    return undefined;
  }

  private release(key: string): void {
    const n = (this.inFlight.get(key) ?? 1) - 1;
    if (n <= 0) this.inFlight.delete(key);
    else this.inFlight.set(key, n);
  }

  private prune(key: string, now: number): number[] {
    const list = (this.failures.get(key) ?? []).filter((t) => t > now - this.windowMs);
    if (list.length === 0) this.failures.delete(key);
    else this.failures.set(key, list);
    return list;
  }
}
