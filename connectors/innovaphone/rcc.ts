// RCC call monitor (innovaphone-appwebsocket.md §6.1): Initialize{calls:true} reports every PBX call via
// CallAdd/CallUpdate/CallDel with the Initialize src; this file folds those into one PbxCallState per user.
import type { PbxCallState } from "../../engine/presence.js";
import { type AppMessage, type AppWebsocketClient, newSrc } from "./client.js";

export const RCC_API = "RCC";

const HOLD = 256;
const HELD_BY_PEER = 512;

/** The state of one call from the RCC state integer: low nibble = phase, +256 on hold, +512 held by peer. */
export function callStateFromNumber(state: number): PbxCallState {
  const phase = state & 0x0f;
  if (phase === 5) return state & (HOLD | HELD_BY_PEER) ? "held" : "connected";
  if (phase === 8) return "held"; // parked
  if (phase >= 1 && phase <= 4) return "alerting";
  return "idle"; // 6/7 disconnecting
}

/** Fallback when a CallUpdate carries no state: derive it from `msg` (x-alert, r-conn, …). */
export function callStateFromMsg(msg: string, previous: PbxCallState): PbxCallState {
  const m = msg.toLowerCase();
  if (m.includes("disc") || m === "del") return "idle";
  if (m.includes("unhold") || m.includes("retrieve")) return "connected";
  if (m.includes("hold") || m.includes("park")) return "held";
  if (m.includes("conn")) return "connected";
  if (m.includes("alert") || m.includes("setup")) return "alerting";
  return previous;
}

/** Aggregate a user's calls: connected beats held beats alerting. */
export function aggregateCallState(states: Iterable<PbxCallState>): PbxCallState {
  let best: PbxCallState = "idle";
  const rank: Record<PbxCallState, number> = { idle: 0, alerting: 1, held: 2, connected: 3 };
  for (const s of states) if (rank[s] > rank[best]) best = s;
  return best;
}

interface Call {
  guid: string;
  state: PbxCallState;
}

export class CallMonitor {
  private readonly calls = new Map<string, Call>();
  private readonly lastEmitted = new Map<string, PbxCallState>();
  /** Users seen via RCC UserInfo (diagnostics). */
  readonly rccUsers = new Set<string>();

  constructor(private readonly onState: (guid: string, state: PbxCallState) => void) {}

  /** Current aggregated state of one user. */
  stateOf(guid: string): PbxCallState {
    return aggregateCallState([...this.calls.values()].filter((c) => c.guid === guid).map((c) => c.state));
  }

  /** Start on a fresh connection; the previous connection's calls are forgotten (the PBX re-reports them). */
  async start(client: AppWebsocketClient, timeoutMs?: number): Promise<void> {
    this.calls.clear();
    const src = newSrc("rcc");
    client.listen(src, (msg) => this.onMessage(msg));
    await client.request(RCC_API, "Initialize", { calls: true }, { src, timeoutMs });
    // Users whose calls ended while we were disconnected: report them idle now.
    for (const guid of [...this.lastEmitted.keys()]) this.publish(guid);
  }

  /**
   * RCC is not available on this connection (degraded session): the calls of the previous connection can
   * no longer be followed, so report their users idle instead of keeping their last state for good.
   */
  forget(): void {
    this.calls.clear();
    for (const guid of [...this.lastEmitted.keys()]) this.publish(guid);
  }

  private onMessage(msg: AppMessage): void {
    const call = msg.call === undefined ? "" : String(msg.call);
    switch (msg.mt) {
      case "UserInfo":
        if (typeof msg.guid === "string") {
          if (msg.update === "del") this.rccUsers.delete(msg.guid);
          else this.rccUsers.add(msg.guid);
        }
        return;
      case "CallAdd": {
        if (!call || typeof msg.guid !== "string") return;
        const state = typeof msg.state === "number" ? callStateFromNumber(msg.state) : "alerting";
        this.calls.set(call, { guid: msg.guid, state });
        this.publish(msg.guid);
        return;
      }
      case "CallUpdate": {
        const c = this.calls.get(call);
        if (!c) return;
        c.state =
          typeof msg.state === "number"
            ? callStateFromNumber(msg.state)
            : callStateFromMsg(typeof msg.msg === "string" ? msg.msg : "", c.state);
        this.publish(c.guid);
        return;
      }
      case "CallDel": {
        const c = this.calls.get(call);
        if (!c) return;
        this.calls.delete(call);
        this.publish(c.guid);
        return;
      }
    }
  }

  private publish(guid: string): void {
    const state = this.stateOf(guid);
    const prev = this.lastEmitted.get(guid) ?? "idle";
    if (state === "idle") this.lastEmitted.delete(guid);
    else this.lastEmitted.set(guid, state);
    if (state !== prev) this.onState(guid, state);
  }
}
