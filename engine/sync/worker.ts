// Keyed worker with bounded concurrency: a key (endpoint) marked dirty runs once; marking it again while
// it runs makes it run once more afterwards (latest wins, no backlog of intermediate states). Failed runs
// are retried with capped exponential backoff and jitter; a new mark skips the wait.
import { backoffDelay } from "../../common/backoff.js";

export type RunResult = "done" | "deferred" | "retry";

export interface KeyedWorkerOptions {
  concurrency: number;
  retryBaseMs: number;
  retryMaxMs: number;
}

/**
 * Keys waiting to run, first in first out, each at most once. Not a Set taken from the front: V8 leaves a
 * hole per deleted entry that every later `values().next()` walks over again (100,000 queued keys: 1.1 s
 * against 28 ms for this; at a cold start of 100,000 endpoints the worker's own CPU was the largest part).
 */
class KeyQueue {
  private readonly members = new Set<string>();
  private order: string[] = [];
  private head = 0;

  get size(): number {
    return this.members.size;
  }
  has(key: string): boolean {
    return this.members.has(key);
  }
  add(key: string): void {
    if (this.members.has(key)) return;
    this.members.add(key);
    this.order.push(key);
  }
  /** Removed keys stay in `order` and are skipped when they come up. */
  delete(key: string): void {
    this.members.delete(key);
  }
  shift(): string | undefined {
    while (this.head < this.order.length) {
      const key = this.order[this.head++]!;
      if (this.head > 1024 && this.head * 2 > this.order.length) {
        this.order = this.order.slice(this.head);
        this.head = 0;
      }
      if (this.members.delete(key)) return key;
    }
    return undefined;
  }
  clear(): void {
    this.members.clear();
    this.order = [];
    this.head = 0;
  }
}

export class KeyedWorker {
  private readonly queue = new KeyQueue();
  private readonly running = new Set<string>();
  private readonly rerun = new Set<string>();
  private readonly retryTimers = new Map<string, NodeJS.Timeout>();
  private readonly failures = new Map<string, number>();
  private idleWaiters: (() => void)[] = [];
  private closed = false;

  constructor(
    private readonly run: (key: string) => Promise<RunResult>,
    private readonly options: KeyedWorkerOptions,
  ) {}

  mark(key: string): void {
    if (this.closed) return;
    const timer = this.retryTimers.get(key);
    if (timer) {
      clearTimeout(timer);
      this.retryTimers.delete(key);
    }
    if (this.running.has(key)) {
      this.rerun.add(key);
      return;
    }
    this.queue.add(key);
    this.pump();
  }

  /** Forget a key (endpoint removed); a run in progress finishes but is not repeated. */
  cancel(key: string): void {
    this.queue.delete(key);
    this.rerun.delete(key);
    this.failures.delete(key);
    const timer = this.retryTimers.get(key);
    if (timer) clearTimeout(timer);
    this.retryTimers.delete(key);
  }

  isBusy(key: string): boolean {
    return this.running.has(key) || this.queue.has(key);
  }

  /** Keys queued or running. */
  pending(): number {
    return this.queue.size + this.running.size;
  }

  /** Keys waiting for a retry after a failure. */
  failing(): number {
    return this.retryTimers.size;
  }

  failureCount(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /** Resolves when nothing is queued or running (retry timers may still be armed). */
  idle(): Promise<void> {
    if (this.pending() === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  close(): void {
    this.closed = true;
    for (const t of this.retryTimers.values()) clearTimeout(t);
    this.retryTimers.clear();
    this.queue.clear();
    this.rerun.clear();
  }

  private pump(): void {
    while (this.running.size < this.options.concurrency && this.queue.size > 0) {
      const key = this.queue.shift()!;
      this.running.add(key);
      this.run(key)
        .catch((): RunResult => "retry")
        .then((result) => this.finished(key, result));
    }
    if (this.pending() === 0 && this.idleWaiters.length > 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  private finished(key: string, result: RunResult): void {
    this.running.delete(key);
    if (this.rerun.delete(key)) {
      // A newer desire arrived while running: apply it now instead of waiting out a backoff.
      if (!this.closed) this.queue.add(key);
    } else if (result === "retry" && !this.closed) {
      const n = (this.failures.get(key) ?? 0) + 1;
      this.failures.set(key, n);
      const delay = backoffDelay(n - 1, { baseMs: this.options.retryBaseMs, capMs: this.options.retryMaxMs });
      const timer = setTimeout(() => {
        this.retryTimers.delete(key);
        this.mark(key);
      }, delay);
      timer.unref?.();
      this.retryTimers.set(key, timer);
    } else if (result === "done") {
      this.failures.delete(key);
    }
    this.pump();
  }
}
