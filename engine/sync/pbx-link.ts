// One PBX connector attached to the sync core: turns the adapter's events into the PBX facts of its
// endpoints (call state, the user's own activity, what the hub's slot shows, the users' CFB entries),
// watches staleness, and keeps the adapter's watch list. What to do about a change is the core's decision
// (CoreHooks); this file only observes.
import type { Logger } from "../../common/log.js";
import { perSizeInterval, Throttle } from "../../common/throttle.js";
import type { PbxAdapter, PbxPresenceItem, PbxUser } from "../ports/adapters.js";
import type { PbxCallState } from "../presence.js";
import { sameCfbEntry } from "../rules/cfb.js";
import type { PbxTarget } from "./apply-pbx.js";
import type { EndpointState } from "./endpoint.js";
import { sameSlot, splitPresence } from "./facts.js";
import { StaleWatch } from "./staleness.js";
import type { HubSetState, SyncConnector, SyncNotice } from "./types.js";

/** What a link asks of the core when its facts changed. */
export interface CoreHooks {
  recompute(ep: EndpointState, log?: boolean): void;
  recomputePbx(ep: EndpointState, log: boolean): void;
  recomputeTeams(ep: EndpointState, log: boolean): void;
  markPbx(id: string): void;
  markTeams(id: string): void;
  /** A PBX write for the endpoint is queued or running. */
  pbxBusy(id: string): boolean;
  setHub(ep: EndpointState, patch: Partial<HubSetState>): void;
  notify(n: SyncNotice): void;
  /** Whether the adapter should report this endpoint's user (it follows rules, or the hub must undo). */
  watched(ep: EndpointState): boolean;
}

export class PbxLink implements PbxTarget {
  readonly adapter: PbxAdapter;
  readonly byGuid = new Map<string, EndpointState>();
  /** PBX users by guid (CFB entries, from `user` events), so decide and apply never scan the user list. */
  readonly users: Map<string, PbxUser>;
  /** Last call state per guid, also for users whose endpoint does not exist yet (created a moment later). */
  readonly calls = new Map<string, PbxCallState>();
  /** False until the adapter's first `synchronized`: call states are unknown before. */
  synchronized = false;
  readonly stale: StaleWatch;
  private readonly unsubscribe: (() => void)[];
  /** Rebuilding the watch list is O(endpoints): coalesced, and spaced out on large connectors. */
  private readonly watchList = new Throttle(
    () => this.pushWatch(),
    () => perSizeInterval(this.byGuid.size),
  );
  private detached = false;

  constructor(
    readonly c: SyncConnector,
    private readonly core: CoreHooks,
    staleAfterMs: number,
    private readonly log: Logger,
  ) {
    const a = c.adapter;
    this.adapter = a;
    this.users = new Map(a.users().map((u) => [u.guid, u]));
    this.stale = new StaleWatch(staleAfterMs, () => this.onStale());
    this.unsubscribe = [
      a.on("presence", (guid, items) => this.onPresence(guid, items)),
      a.on("callState", (guid, state) => this.onCallState(guid, state)),
      a.on("user", (user) => this.onUser(user)),
      a.on("userRemoved", (guid) => {
        this.users.delete(guid);
      }),
      a.on("synchronized", () => this.onSynchronized()),
      a.on("status", (st) => this.onStatus(st.state === "online")),
    ];
  }

  /** After the endpoints are linked: report the adapter's current state. */
  start(): void {
    if (this.adapter.status().state !== "online") this.onStatus(false);
    this.queueWatch();
  }

  detach(): void {
    this.detached = true;
    this.watchList.close();
    for (const u of this.unsubscribe) u();
    this.stale.cancel();
  }

  /** Link an endpoint (created or moved here); it learns the call state seen so far. */
  link(ep: EndpointState): void {
    const guid = ep.binding.pbxGuid;
    this.byGuid.set(guid, ep);
    // Joined after the adapter's `synchronized`: the call state seen so far (RCC reports every user).
    if (ep.callState === null && (this.synchronized || this.calls.has(guid))) {
      ep.callState = this.calls.get(guid) ?? "idle";
      ep.userActivity ??= "";
    }
    this.queueWatch();
  }

  unlink(ep: EndpointState, guid = ep.binding.pbxGuid): void {
    if (this.byGuid.get(guid) === ep) this.byGuid.delete(guid);
    this.queueWatch();
  }

  /** Tell the adapter which users to report, once however many endpoints changed (see watchList). */
  queueWatch(): void {
    this.watchList.schedule();
  }

  private pushWatch(): void {
    if (this.detached) return;
    const guids: string[] = [];
    for (const ep of this.byGuid.values()) if (this.core.watched(ep)) guids.push(ep.binding.pbxGuid);
    this.adapter.watch(guids);
  }

  // ------------------------------------------------------------------ events (hot path)

  private onPresence(guid: string, items: PbxPresenceItem[]): void {
    const ep = this.byGuid.get(guid);
    if (!ep) return;
    const { userActivity, hubSlot } = splitPresence(items, this.adapter.hubContact);
    ep.pbxAt = new Date().toISOString();
    ep.hubSlotObserved = hubSlot;
    // The PBX shows what really is in the hub's slot. If it differs from what we believe and no write is
    // on its way, believe the PBX (someone cleared it, the PBX restarted) and let the worker correct it.
    if (!ep.hub.pbxDirty && !this.core.pbxBusy(ep.binding.id) && !sameSlot(ep.hub.pbx, hubSlot)) {
      this.core.setHub(ep, { pbx: hubSlot });
      this.core.markPbx(ep.binding.id);
    }
    // Unchanged user activity: the event was (at most) the echo of the hub's own slot.
    const unchanged = ep.userActivity === userActivity;
    this.core.notify({ kind: "event.processed", side: "pbx", echo: unchanged });
    if (unchanged) return;
    // The first report after a start is the state the user was in, not a change: log only what it changes.
    const known = ep.userActivity !== null;
    ep.userActivity = userActivity;
    if (ep.callState === null && this.synchronized) ep.callState = "idle";
    this.core.recomputeTeams(ep, known);
  }

  private onCallState(guid: string, state: PbxCallState): void {
    if (state === "idle") this.calls.delete(guid);
    else this.calls.set(guid, state);
    const ep = this.byGuid.get(guid);
    if (!ep) return;
    ep.pbxAt = new Date().toISOString();
    this.core.notify({ kind: "event.processed", side: "pbx", echo: false });
    if (ep.callState === state) return;
    const known = ep.callState !== null;
    ep.callState = state;
    ep.userActivity ??= "";
    this.core.recomputeTeams(ep, known);
  }

  private onUser(user: PbxUser): void {
    this.users.set(user.guid, user);
    const ep = this.byGuid.get(user.guid);
    if (!ep) return;
    this.checkHubEntry(ep, user);
    // The user's CFB entries feed the CFB plan (e.g. the user removed their own entry while diverted), and
    // the apply step adopts an entry whose add was unresolved.
    this.core.recomputePbx(ep, false);
    if (ep.desiredPbx?.cfb.divert || ep.hub.cfbIntent) this.core.markPbx(ep.binding.id);
  }

  /**
   * The CFB entry the hub holds is gone from the PBX (an admin or the user removed it while the hub diverts):
   * forget it, so the apply step adds it again — as it re-writes its presence slot when someone clears that.
   * After a (re)connect the replicated list is a fresh full read and decides at once; otherwise only an
   * entry the PBX once showed counts as removed, because a list can lag behind the hub's own add.
   */
  private checkHubEntry(ep: EndpointState, user: PbxUser, fresh = false): void {
    const held = ep.hub.cfb;
    if (!held) return;
    if (user.cfb.some((e) => sameCfbEntry(e, held))) {
      ep.cfbSeen = held;
      return;
    }
    // Gone because the hub itself is removing it (the plan no longer wants it): nothing to restore.
    if (!sameCfbEntry(ep.desiredPbx?.cfb.entry, held)) return;
    if (!fresh && !sameCfbEntry(ep.cfbSeen, held)) return;
    ep.cfbSeen = null;
    this.core.setHub(ep, { cfb: null });
    this.core.notify({ kind: "cfb.lost", endpointId: ep.binding.id, connectorId: this.c.id, entry: held });
    this.core.markPbx(ep.binding.id);
  }

  private onSynchronized(): void {
    this.synchronized = true;
    for (const ep of this.byGuid.values()) {
      const user = this.users.get(ep.binding.pbxGuid);
      if (user) this.checkHubEntry(ep, user, true);
    }
    // After a (re)connect every watched user without a call event is idle; then compare and apply all.
    for (const ep of this.byGuid.values()) {
      ep.callState ??= "idle";
      ep.userActivity ??= "";
      this.core.recompute(ep);
      this.core.markPbx(ep.binding.id);
      this.core.markTeams(ep.binding.id);
    }
  }

  private onStatus(online: boolean): void {
    if (online) {
      // Facts forgotten while stale: hold until `synchronized` brings fresh ones. The CFB plans are made again
      // either way: a status change may carry a change of Admin access (cfbWritable).
      const wasStale = this.stale.online();
      for (const ep of this.byGuid.values()) {
        if (wasStale) this.core.recompute(ep);
        else this.core.recomputePbx(ep, false);
      }
      return;
    }
    if (this.stale.counting) return;
    this.synchronized = false;
    this.stale.offline();
  }

  private onStale(): void {
    if (this.detached) return;
    this.calls.clear();
    this.log.warn(
      { connectorId: this.c.id },
      "PBX offline too long: its facts are stale; Teams made neutral",
    );
    for (const ep of this.byGuid.values()) {
      ep.callState = null;
      ep.userActivity = null;
      this.core.recomputeTeams(ep, false);
    }
  }
}
