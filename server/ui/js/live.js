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
