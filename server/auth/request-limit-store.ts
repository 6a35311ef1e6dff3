// Fixed-window counter store for @fastify/rate-limit (the coarse per-address limit on the login route).
// Why not the plugin's LocalStore: it hands the same mutable counter object to every caller and the plugin
// reads `current` only after an await, so a burst of N concurrent requests all see N and all get 429 even
// when N is far below `max`. This store returns a snapshot per call; otherwise it behaves the same.
import type { FastifyRateLimitStore } from "@fastify/rate-limit";

/** Keys kept at most (oldest window dropped first): bounds memory against address-hopping clients. */
const MAX_KEYS = 10_000;

export class SnapshotRateLimitStore implements FastifyRateLimitStore {
  private readonly windows = new Map<string, { count: number; startMs: number }>();

  incr(
    key: string,
    callback: (error: Error | null, result?: { current: number; ttl: number }) => void,
    timeWindow: number,
  ): void {
    const now = Date.now();
    let w = this.windows.get(key);
    if (!w || w.startMs + timeWindow <= now) {
      this.windows.delete(key); // re-insert: Map order = age order for the eviction below
      w = { count: 0, startMs: now };
      this.windows.set(key, w);
      if (this.windows.size > MAX_KEYS) this.windows.delete(this.windows.keys().next().value as string);
    }
    w.count++;
    callback(null, { current: w.count, ttl: w.startMs + timeWindow - now });
  }

  child(): FastifyRateLimitStore {
    return new SnapshotRateLimitStore();
  }
}
