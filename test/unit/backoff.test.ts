// The hub's one backoff formula (common/backoff.ts) with injected randomness: full jitter under a doubling,
// capped ceiling, the floor (never above the ceiling), Retry-After taking precedence (exact, capped), and
// the stateful Backoff's counter.
import { describe, expect, it } from "vitest";
import { Backoff, backoffDelay } from "../../common/backoff.js";

const top = () => 0.999_999;
const zero = () => 0;
const half = () => 0.5;

describe("backoffDelay", () => {
  it("draws uniformly below a ceiling that doubles from base up to the cap", () => {
    const o = { baseMs: 1000, capMs: 60_000 };
    expect([0, 1, 2, 3, 4, 5, 6, 7].map((n) => backoffDelay(n, { ...o, random: top }))).toEqual([
      999, 1999, 3999, 7999, 15_999, 31_999, 59_999, 59_999,
    ]);
    expect([0, 1, 2, 3].map((n) => backoffDelay(n, { ...o, random: half }))).toEqual([500, 1000, 2000, 4000]);
  });

  it("defaults to 1 s → 60 s, the innovaphone reconnect parameters", () => {
    expect(backoffDelay(0, { random: top })).toBe(999);
    expect(backoffDelay(20, { random: top })).toBe(59_999);
  });

  it("never goes below the floor (50 ms by default), nor above the ceiling because of it", () => {
    expect(backoffDelay(5, { random: zero })).toBe(50);
    expect(backoffDelay(5, { random: zero, floorMs: 200 })).toBe(200);
    // base 10 ms: attempt 0's ceiling is 10 ms, so the floor is 10 ms too (the cap stays a cap)
    expect(backoffDelay(0, { baseMs: 10, capMs: 80, random: zero })).toBe(10);
    expect(backoffDelay(3, { baseMs: 10, capMs: 80, random: zero })).toBe(50);
    expect(backoffDelay(9, { baseMs: 5, capMs: 40, random: zero })).toBe(40);
  });

  it("stays finite for absurd attempt numbers and treats negative ones as 0", () => {
    expect(backoffDelay(10_000, { capMs: 120_000, random: top })).toBe(119_999);
    expect(backoffDelay(-3, { baseMs: 100, random: top })).toBe(99);
  });

  it("lets a Retry-After win, exactly (no jitter, no floor), but capped", () => {
    const o = { baseMs: 1000, capMs: 120_000, random: zero };
    expect(backoffDelay(4, o, 3000)).toBe(3000);
    expect(backoffDelay(0, o, 0)).toBe(0);
    expect(backoffDelay(0, o, 500_000)).toBe(120_000);
    expect(backoffDelay(0, o, -5)).toBe(0);
  });
});

describe("Backoff", () => {
  it("counts attempts, grows, and starts over after reset", () => {
    const b = new Backoff({ baseMs: 100, capMs: 1000, random: top });
    expect([b.next(), b.next(), b.next(), b.next(), b.next()]).toEqual([99, 199, 399, 799, 999]);
    expect(b.attempt).toBe(5);
    b.reset();
    expect(b.attempt).toBe(0);
    expect(b.next()).toBe(99);
  });

  it("counts an attempt that a Retry-After decided, too", () => {
    const b = new Backoff({ baseMs: 100, capMs: 1000, random: top });
    expect(b.next(250)).toBe(250);
    expect(b.next()).toBe(199);
  });
});
