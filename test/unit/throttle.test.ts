// Throttle (common/throttle.ts): requests are merged; a quiet throttle runs at once; the next run waits for
// the interval and for ten times the last run's own duration (expensive rebuilds take at most a tenth).
import { describe, expect, it } from "vitest";
import { perSizeInterval, Throttle } from "../../common/throttle.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("Throttle", () => {
  it("merges requests into one run, at once when quiet", async () => {
    let runs = 0;
    const t = new Throttle(() => runs++, () => 0);
    t.schedule();
    t.schedule();
    t.schedule();
    await Promise.resolve();
    expect(runs).toBe(1);
    t.close();
  });

  it("waits out the interval after a run", async () => {
    const at: number[] = [];
    const t = new Throttle(() => at.push(performance.now()), () => 40);
    t.schedule();
    await Promise.resolve();
    t.schedule();
    await sleep(80);
    expect(at).toHaveLength(2);
    expect(at[1]! - at[0]!).toBeGreaterThanOrEqual(38);
    t.close();
  });

  it("spaces runs by ten times their own duration", async () => {
    const at: number[] = [];
    const t = new Throttle(() => {
      const start = performance.now();
      at.push(start);
      while (performance.now() - start < 10); // a 10 ms rebuild
    }, () => 0);
    t.schedule();
    await Promise.resolve();
    t.schedule();
    await sleep(200);
    expect(at).toHaveLength(2);
    expect(at[1]! - at[0]!).toBeGreaterThanOrEqual(98);
    t.close();
  });

  it("interval per size: 1 ms per 100 entries, capped", () => {
    expect(perSizeInterval(1000)).toBe(10);
    expect(perSizeInterval(1_000_000)).toBe(1000);
  });
});
