// Live updates over Server-Sent Events (/api/events/stream): one EventSource for the whole UI, with
// listeners per message type. EventSource reconnects by itself; the topbar dot shows the state.
const listeners = new Map();
let source = null;

export function connectLive() {
  if (source) return;
  source = new EventSource("/api/events/stream");
  const dot = document.getElementById("live");
  source.onopen = () => dot?.classList.add("on");
  source.onerror = () => dot?.classList.remove("on");
  for (const type of ["event", "endpoint", "connector", "teams"]) {
    source.addEventListener(type, (e) => {
      let msg;
      try {
        msg = JSON.parse(e.data);
      } catch {
        return;
      }
      for (const fn of listeners.get(type) || []) fn(msg);
    });
  }
}

export function disconnectLive() {
  source?.close();
  source = null;
}

/** Subscribe to one message type; returns the unsubscribe function (pages call it when they unmount). */
export function onLive(type, fn) {
  if (!listeners.has(type)) listeners.set(type, new Set());
  listeners.get(type).add(fn);
  return () => listeners.get(type).delete(fn);
}

/**
 * Subscribes `apply` to one message type and returns a loader for the page's list that cooperates with
 * it. Loads never overlap (a call during a load runs one more load after it), and messages that arrive
 * during a load are held back and applied after it. Why: the GET's snapshot may predate such a message,
 * and drawing the snapshot last would leave stale state on screen (e.g. "connecting" after "online").
 * `apply` must ignore a message older than what is shown, because the snapshot may also be the newer one.
 */
export function liveList(type, load, apply) {
  let running = null;
  let again = false;
  let held = [];
  const loader = () => {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        await load();
      } while (again);
    })().finally(() => {
      running = null;
      const messages = held;
      held = [];
      for (const m of messages) apply(m);
    });
    return running;
  };
  const off = onLive(type, (m) => {
    if (running) held.push(m);
    else apply(m);
  });
  return { load: loader, off };
}
