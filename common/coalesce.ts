// Run a whole-set recomputation once per burst of requests: right away (next microtask) after a quiet spell,
// then at most once per interval while requests keep coming. A replication dump announces one row per
// message (innovaphone's ReplicateNext), and recomputing the watched set per row is quadratic in the users.

export interface Coalesced {
  /** Ask for a run; many asks before it runs make one run. */
  request(): void;
  cancel(): void;
}

export function coalesce(run: () => void, everyMs = 50): Coalesced {
  let queued = false;
  let timer: NodeJS.Timeout | undefined;
  let lastRun = Number.NEGATIVE_INFINITY;
  let cancelled = false;
  const fire = () => {
    queued = false;
    timer = undefined;
    if (cancelled) return;
    lastRun = performance.now();
    run();
  };
  return {
    request() {
      if (queued || cancelled) return;
      queued = true;
      const wait = lastRun + everyMs - performance.now();
      if (wait <= 0) queueMicrotask(fire);
      else {
        timer = setTimeout(fire, wait);
        timer.unref?.();
      }
    },
    cancel() {
      cancelled = true;
      if (timer) clearTimeout(timer);
    },
  };
}
