// Frames a WebSocket sends in one tick leave in one writev instead of one syscall each: the socket is
// corked at the first frame of a tick and uncorked once the tick's work is done (or at once, for a sender
// that has work to overlap with the answer). At 100,000 users, per-frame writes were half of the PBX
// simulator's time and a tenth of the hub's during a start.
import type { Socket } from "node:net";
import type WebSocket from "ws";

const corked = new WeakSet<Socket>();

// ws has no public cork; `_socket` is its net.Socket (absent before open: then nothing is corked).
function socketOf(ws: WebSocket): Socket | undefined {
  return (ws as unknown as { _socket?: Socket | null })._socket ?? undefined;
}

/** Hold this tick's frames back and write them together when the tick ends. */
export function corkUntilTickEnd(ws: WebSocket): void {
  const sock = socketOf(ws);
  if (!sock || corked.has(sock)) return;
  corked.add(sock);
  sock.cork();
  process.nextTick(() => uncorkNow(ws));
}

/** Write what is held now. */
export function uncorkNow(ws: WebSocket): void {
  const sock = socketOf(ws);
  if (!sock || !corked.delete(sock)) return;
  sock.uncork();
}
