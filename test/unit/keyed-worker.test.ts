// KeyedWorker (engine/sync/worker.ts): keys run first in first out, each at most once at a time; a mark
// while running runs it once more afterwards; a cancelled key does not run unless marked again.
import { describe, expect, it } from "vitest";
import { KeyedWorker, type RunResult } from "../../engine/sync/worker.js";

const options = { concurrency: 1, retryBaseMs: 10, retryMaxMs: 10 };

describe("KeyedWorker", () => {
  it("runs keys in the order they were marked; a key marked again while queued runs once", async () => {
    const ran: string[] = [];
    const w = new KeyedWorker(async (k) => {
      ran.push(k);
      return "done";
    }, options);
    for (const k of ["a", "b", "a", "c", "b"]) w.mark(k);
    await w.idle();
    // "a" started at its first mark, so its second mark runs it again; "b" was still queued.
    expect(ran).toEqual(["a", "b", "c", "a"]);
    w.close();
  });

  it("a key marked while it runs runs once more afterwards", async () => {
    const ran: string[] = [];
    let release: () => void = () => undefined;
    const w = new KeyedWorker(async (k) => {
      ran.push(k);
      if (ran.length === 1) await new Promise<void>((r) => (release = r));
      return "done";
    }, options);
    w.mark("a");
    w.mark("b");
    w.mark("a");
    w.mark("a");
    release();
    await w.idle();
    expect(ran).toEqual(["a", "b", "a"]);
    w.close();
  });

  it("a cancelled key does not run; marked again, it runs once", async () => {
    const ran: string[] = [];
    let release: () => void = () => undefined;
    const w = new KeyedWorker(async (k): Promise<RunResult> => {
      ran.push(k);
      if (k === "first") await new Promise<void>((r) => (release = r));
      return "done";
    }, options);
    w.mark("first");
    w.mark("x");
    w.mark("y");
    w.cancel("x");
    expect(w.isBusy("x")).toBe(false);
    w.mark("x");
    w.cancel("y");
    expect(w.pending()).toBe(2); // "first" running, "x" queued
    release();
    await w.idle();
    expect(ran).toEqual(["first", "x"]);
    w.close();
  });

  it("drains a large queue in order with bounded concurrency", async () => {
    const ran: number[] = [];
    let running = 0;
    let most = 0;
    const w = new KeyedWorker(
      async (k) => {
        running++;
        most = Math.max(most, running);
        await Promise.resolve();
        ran.push(Number(k));
        running--;
        return "done";
      },
      { ...options, concurrency: 8 },
    );
    for (let i = 0; i < 5000; i++) w.mark(String(i));
    for (let i = 0; i < 5000; i += 2) w.cancel(String(i));
    await w.idle();
    expect(most).toBeLessThanOrEqual(8);
    // The first 8 started before the cancels; after them only the odd keys, still in order.
    const rest = ran.slice(8);
    expect(rest.every((k) => k % 2 === 1)).toBe(true);
    expect(rest).toEqual([...rest].sort((a, b) => a - b));
    expect(ran.length).toBe(8 + 2500 - 4);
    w.close();
  });
});
