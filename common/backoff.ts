// The one retry-delay formula of the hub: capped exponential backoff with full jitter (AWS Architecture
// Blog, "Exponential Backoff And Jitter"), a small floor, and a server's Retry-After taking precedence.
// Used by the sync workers, both connector supervisors, the Graph client and the subscription manager;
// each caller picks base and cap, nobody writes their own `2 ** n`.

export interface BackoffOptions {
  /** Ceiling of the first delay (attempt 0); doubles per attempt. Default 1 s. */
  baseMs?: number;
  /** Largest delay, also the upper bound for a Retry-After. Default 60 s. */
  capMs?: number;
  /**
   * Smallest jittered delay, so a random draw near 0 does not retry in a tight loop. Never above the
   * attempt's ceiling: the cap stays a cap even when a test configures tiny delays. Default 50 ms.
   */
  floorMs?: number;
  /** Injectable randomness for deterministic tests (0 ≤ r < 1). */
  random?: () => number;
}

/** Exponents beyond this are capped anyway; it keeps `2 ** n` finite for absurd attempt numbers. */
const MAX_EXPONENT = 30;

/**
 * Delay before retry number `attempt` (0-based).
 * Without `retryAfterMs`: uniform in [min(floor, ceiling), ceiling] with ceiling = min(cap, base·2^attempt).
 * With `retryAfterMs` (the server said when): exactly that, capped — no floor, no jitter, because the
 * server's schedule is what counts (a 429's Retry-After is honoured to the millisecond).
 */
export function backoffDelay(attempt: number, o: BackoffOptions = {}, retryAfterMs?: number): number {
  const cap = o.capMs ?? 60_000;
  if (retryAfterMs !== undefined) return Math.min(Math.max(0, retryAfterMs), cap);
  const base = o.baseMs ?? 1000;
  const ceiling = Math.min(cap, base * 2 ** Math.min(Math.max(0, attempt), MAX_EXPONENT));
  const floor = Math.min(o.floorMs ?? 50, ceiling);
  return Math.max(floor, Math.floor((o.random ?? Math.random)() * ceiling));
}

/** The formula with its attempt counter, for callers that retry one thing in sequence. */
export class Backoff {
  private n = 0;

  constructor(readonly options: BackoffOptions = {}) {}

  /** Failed attempts since the last reset (the exponent of the next delay). */
  get attempt(): number {
    return this.n;
  }

  /** The delay for the next retry; counts the attempt. */
  next(retryAfterMs?: number): number {
    return backoffDelay(this.n++, this.options, retryAfterMs);
  }

  /** Success (or a stable period): the next failure starts from the base again. */
  reset(): void {
    this.n = 0;
  }
}
