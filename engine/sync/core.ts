// The sync core (architecture §4.4, §4.5): per endpoint it keeps the facts of both sides, the desired
// state per side (a decision-table lookup of the active rule set) and what the hub set and the side
// acknowledged. Two keyed workers (PBX, Teams) apply differences with bounded concurrency; latest wins.
// Echoes of the hub's own writes are recognised (PBX: the hub's contact slot; Teams: the pair of the hub's
// Graph session) and never fed into the opposite direction.
import { type CfbEntry, type PbxPresenceItem, type PbxUser, plainCfbEntry, type TeamsAdapter } from "../ports/adapters.js";
import { errorMessage } from "../../common/errors.js";
import { interner } from "../../common/intern.js";
import { type Logger, logger as makeLogger } from "../../common/log.js";
import type { PbxCallState, TeamsPresence, TeamsPresencePair } from "../presence.js";
import type { ActiveRuleSet, RuleSetSource } from "../rules/types.js";
import {
  NEUTRAL_PBX,
  type PbxDesiredState,
  samePair,
  samePbxDesired,
  sameSlot,
  sameTeamsPresence,
  showsPair,
  splitPresence,
} from "./facts.js";
import type {
  HubSetState,
  PbxSlot,
  SyncBinding,
  SyncConnector,
  SyncNotice,
  SyncPersistence,
  SyncSide,
} from "./types.js";
import { EMPTY_HUB_SET } from "./types.js";
import { KeyedWorker, type RunResult } from "./worker.js";

export interface SyncCoreOptions {
  rules: RuleSetSource;
  persistence: SyncPersistence;
  /** Concurrent writes per side. */
  concurrency?: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
  /**
   * After the hub cleared its Graph session, an observation still showing that pair within this window is
   * taken as a late echo; once it passes, the last observation counts as the user's own presence.
   */
  echoGraceMs?: number;
  /**
   * A side whose adapter has not been online for this long has stale facts: they are forgotten and the
   * opposite side is made neutral (nobody stays DND/diverted because a system went away). Default 5 min.
   */
  staleAfterMs?: number;
  notify?: (notice: SyncNotice) => void;
  logger?: Logger;
}

/** A read-only snapshot of one endpoint for views (EndpointView is built from it). */
export interface EndpointSyncSnapshot {
  binding: SyncBinding;
  released: boolean;
  teams: { facts: TeamsPresence | null; observed: TeamsPresence | null; at: string | null };
  pbx: {
    callState: PbxCallState | null;
    activity: string | null;
    hubSlot: PbxSlot | null;
    at: string | null;
  };
  desiredPbx: PbxDesiredState | null;
  desiredTeams: { presence: TeamsPresencePair | null } | null;
  hub: HubSetState;
  pbxPending: boolean;
  teamsPending: boolean;
  pbxError: string | null;
  teamsError: string | null;
  pbxWriteAt: string | null;
  teamsWriteAt: string | null;
  lastDecision: {
    teamsToPbx: { rule: string; reason: string; at: string; revision: number } | null;
    pbxToTeams: { rule: string; reason: string; at: string; revision: number } | null;
  };
}

interface Ep {
  b: SyncBinding;
  released: boolean;
  teamsObserved: TeamsPresence | null;
  teamsFacts: TeamsPresence | null;
  teamsAt: string | null;
  /** The pair the hub cleared recently and until when its late echo is expected. */
  clearedEcho: { pair: TeamsPresencePair; until: number; timer: NodeJS.Timeout } | null;
  callState: PbxCallState | null;
  userActivity: string | null;
  hubSlotObserved: PbxSlot | null;
  pbxAt: string | null;
  desiredPbx: PbxDesiredState | null;
  desiredTeams: { presence: TeamsPresencePair | null } | null;
  hub: HubSetState;
  /** False for a Teams acknowledgement from before this process/adapter: re-send so the session is refreshed. */
  teamsFresh: boolean;
  pbxError: string | null;
  teamsError: string | null;
  pbxWriteAt: string | null;
  teamsWriteAt: string | null;
  decT2P: EndpointSyncSnapshot["lastDecision"]["teamsToPbx"];
  decP2T: EndpointSyncSnapshot["lastDecision"]["pbxToTeams"];
}

interface ConnectorEntry {
  c: SyncConnector;
  byGuid: Map<string, Ep>;
  unsubscribe: (() => void)[];
  watchQueued: boolean;
  /** False until the adapter's first `synchronized`: call states are unknown before. */
  synchronized: boolean;
  /** Offline longer than staleAfterMs: its facts are forgotten and Teams is made neutral for its users. */
  stale: boolean;
  staleTimer: NodeJS.Timeout | undefined;
  /** PBX users by guid (CFB entries, from `user` events), so the write path never scans the user list. */
  users: Map<string, PbxUser>;
  /** Last call state per guid, also for users whose endpoint does not exist yet (created a moment later). */
  calls: Map<string, PbxCallState>;
}

/** Every endpoint keeps its last decisions' reasons; they come from a small vocabulary, so share them. */
const internReason = interner();

export class SyncCore {
  private readonly eps = new Map<string, Ep>();
  private readonly connectors = new Map<string, ConnectorEntry>();
  /**
   * Endpoints by Teams user. Arrays, not Sets: nearly every user has exactly one endpoint, and a one-element
   * Set costs ≈ 270 bytes against ≈ 60 for an array (2 MB at 10,000 users). Emptied entries are removed.
   */
  private readonly byTeamsUser = new Map<string, Ep[]>();
  private readonly persisted: Map<string, HubSetState>;
  private readonly pbxWorker: KeyedWorker;
  private readonly teamsWorker: KeyedWorker;
  private readonly log: Logger;
  private readonly notify: (n: SyncNotice) => void;
  private readonly echoGraceMs: number;
  private teams: TeamsAdapter | null = null;
  private teamsUnsub: (() => void)[] = [];
  private teamsWatchQueued = false;
  /** Set while the Teams connector is being switched off: every hub session is cleared first. */
  private teamsReleasing = false;
  private teamsStale = false;
  private teamsStaleTimer: NodeJS.Timeout | undefined;
  private readonly staleAfterMs: number;
  private readonly unsubscribeRules: () => void;
  private closed = false;

  constructor(private readonly options: SyncCoreOptions) {
    this.log = options.logger ?? makeLogger("sync");
    this.notify = options.notify ?? (() => {});
    this.echoGraceMs = options.echoGraceMs ?? 30_000;
    this.staleAfterMs = options.staleAfterMs ?? 300_000;
    this.persisted = options.persistence.loadAll();
    const w = {
      // Writes to one PBX pipeline over a single WebSocket and Graph writes are bounded again in the Teams
      // adapter; a small window here only queues changes (8 in flight capped the bench at ~1,000/s with
      // seconds of queueing — docs/evidence.md F4).
      concurrency: options.concurrency ?? 64,
      retryBaseMs: options.retryBaseMs ?? 1000,
      retryMaxMs: options.retryMaxMs ?? 60_000,
    };
    this.pbxWorker = new KeyedWorker((id) => this.applyPbx(id), w);
    this.teamsWorker = new KeyedWorker((id) => this.applyTeams(id), w);
    this.unsubscribeRules = options.rules.onSwap((type) => this.onRulesSwapped(type));
  }

  // ------------------------------------------------------------------ wiring

  addConnector(c: SyncConnector): void {
    this.removeConnector(c.id);
    const entry: ConnectorEntry = {
      c,
      byGuid: new Map(),
      unsubscribe: [],
      watchQueued: false,
      synchronized: false,
      stale: false,
      staleTimer: undefined,
      calls: new Map(),
      users: new Map(c.adapter.users().map((u) => [u.guid, u])),
    };
    this.connectors.set(c.id, entry);
    const a = c.adapter;
    entry.unsubscribe.push(
      a.on("presence", (guid, items) => this.onPbxPresence(entry, guid, items)),
      a.on("callState", (guid, state) => this.onCallState(entry, guid, state)),
      a.on("user", (user) => this.onPbxUser(entry, user)),
      a.on("userRemoved", (guid) => {
        entry.users.delete(guid);
      }),
      a.on("synchronized", () => this.onPbxSynchronized(entry)),
      a.on("status", (st) => this.onPbxStatus(entry, st.state === "online")),
    );
    for (const ep of this.eps.values()) if (ep.b.connectorId === c.id) entry.byGuid.set(ep.b.pbxGuid, ep);
    if (a.status().state !== "online") this.onPbxStatus(entry, false);
    this.queueWatch(entry);
    for (const ep of entry.byGuid.values()) this.recompute(ep);
  }

  /** Detach a connector's adapter (its endpoints stay known, neutral-holding, until removed). */
  removeConnector(id: string): void {
    const entry = this.connectors.get(id);
    if (!entry) return;
    for (const u of entry.unsubscribe) u();
    if (entry.staleTimer) clearTimeout(entry.staleTimer);
    this.connectors.delete(id);
  }

  /** Attach (or replace, or detach with null) the Teams adapter. */
  setTeams(adapter: TeamsAdapter | null): void {
    for (const u of this.teamsUnsub) u();
    this.teamsUnsub = [];
    this.teams = adapter;
    this.teamsReleasing = false;
    this.setTeamsStale(false);
    for (const ep of this.eps.values()) ep.teamsFresh = false;
    if (adapter) {
      this.teamsUnsub.push(
        adapter.on("presence", (userId, p) => this.onTeamsPresence(userId, p)),
        adapter.on("synchronized", () => this.reconcileAll("teams")),
        adapter.on("status", (st) => this.onTeamsStatus(st.state === "online")),
      );
      if (adapter.status().state !== "online") this.onTeamsStatus(false);
      this.queueTeamsWatch();
    }
    for (const ep of this.eps.values()) this.recompute(ep);
  }

  upsertEndpoint(b: SyncBinding): void {
    let ep = this.eps.get(b.id);
    let teamsUserChanged = false;
    if (!ep) {
      ep = {
        b,
        released: false,
        teamsObserved: null,
        teamsFacts: null,
        teamsAt: null,
        clearedEcho: null,
        callState: null,
        userActivity: null,
        hubSlotObserved: null,
        pbxAt: null,
        desiredPbx: null,
        desiredTeams: null,
        hub: { ...EMPTY_HUB_SET, ...(this.persisted.get(b.id) ?? {}) },
        teamsFresh: false,
        pbxError: null,
        teamsError: null,
        pbxWriteAt: null,
        teamsWriteAt: null,
        decT2P: null,
        decP2T: null,
      };
      this.persisted.delete(b.id);
      this.eps.set(b.id, ep);
    } else {
      const old = ep.b;
      if (old.teamsUserId !== b.teamsUserId) {
        this.unlinkTeamsUser(old.teamsUserId, ep);
        teamsUserChanged = true;
        // Facts of the previous Teams user do not apply to the new one.
        ep.teamsObserved = null;
        ep.teamsFacts = null;
        ep.teamsAt = null;
      }
      if (old.connectorId !== b.connectorId || old.pbxGuid !== b.pbxGuid) {
        this.connectors.get(old.connectorId)?.byGuid.delete(old.pbxGuid);
      }
      ep.b = b;
    }
    if (b.teamsUserId) {
      const list = this.byTeamsUser.get(b.teamsUserId);
      if (!list) this.byTeamsUser.set(b.teamsUserId, [ep]);
      else if (!list.includes(ep)) list.push(ep);
    }
    const entry = this.connectors.get(b.connectorId);
    if (entry) {
      entry.byGuid.set(b.pbxGuid, ep);
      // Joined after the adapter's `synchronized`: the call state seen so far (RCC reports every user).
      if (ep.callState === null && (entry.synchronized || entry.calls.has(b.pbxGuid))) {
        ep.callState = entry.calls.get(b.pbxGuid) ?? "idle";
        ep.userActivity ??= "";
      }
      this.queueWatch(entry);
    }
    this.queueTeamsWatch();
    this.recompute(ep);
    // The session may live on the previous Teams user even if the wanted pair stays the same.
    if (teamsUserChanged) this.teamsWorker.mark(b.id);
  }

  /** Forget an endpoint and its persisted hub-set state (release it first to undo). */
  removeEndpoint(id: string): void {
    const ep = this.eps.get(id);
    if (!ep) return;
    this.eps.delete(id);
    if (ep.clearedEcho) clearTimeout(ep.clearedEcho.timer);
    this.unlinkTeamsUser(ep.b.teamsUserId, ep);
    const entry = this.connectors.get(ep.b.connectorId);
    if (entry?.byGuid.get(ep.b.pbxGuid) === ep) entry.byGuid.delete(ep.b.pbxGuid);
    this.pbxWorker.cancel(id);
    this.teamsWorker.cancel(id);
    this.options.persistence.remove(id);
    if (entry) this.queueWatch(entry);
    this.queueTeamsWatch();
    this.clearOrphanedSession(ep);
  }

  /**
   * A removed endpoint (e.g. its PBX user was deleted, possibly mid-call while the hub was disconnected) may
   * still hold a Graph session: nothing would clear it any more, so clear it now (best effort — if this
   * fails, the session expires on its own). Skipped while another endpoint's session lives on that user.
   */
  private clearOrphanedSession(ep: Ep): void {
    const t = this.teams;
    const userId = ep.hub.teamsUserId ?? ep.b.teamsUserId;
    if (!t || !userId || !holdsTeamsSession(ep.hub)) return;
    // Offline: no request queue of doomed retries (e.g. a whole connector deleted while Graph is down).
    if (t.status().state !== "online") return;
    for (const other of this.byTeamsUser.get(userId) ?? [])
      if (holdsTeamsSession(other.hub)) return;
    const base = {
      kind: "write" as const,
      side: "teams" as const,
      op: "clearPresence" as const,
      endpointId: ep.b.id,
      connectorId: ep.b.connectorId,
      detail: { userId },
    };
    t.clearPresence(userId).then(
      () => this.notify({ ...base, ok: true }),
      (e) =>
        this.log.warn(
          { endpointId: ep.b.id, err: errorMessage(e) },
          "Teams session of a removed endpoint not cleared; it expires on its own",
        ),
    );
  }

  private unlinkTeamsUser(userId: string | null | undefined, ep: Ep): void {
    if (!userId) return;
    const list = this.byTeamsUser.get(userId);
    const i = list ? list.indexOf(ep) : -1;
    if (!list || i < 0) return;
    list.splice(i, 1);
    if (list.length === 0) this.byTeamsUser.delete(userId);
  }

  endpointIds(connectorId?: string): string[] {
    const out: string[] = [];
    for (const ep of this.eps.values())
      if (!connectorId || ep.b.connectorId === connectorId) out.push(ep.b.id);
    return out;
  }

  /**
   * Undo: make the endpoints neutral (hub PBX slot cleared, hub CFB entries removed, Graph session cleared)
   * and wait until both sides acknowledged, at most timeoutMs. Returns the ids not yet neutral.
   */
  async release(ids: readonly string[], timeoutMs: number): Promise<string[]> {
    const eps = ids.map((id) => this.eps.get(id)).filter((x): x is Ep => !!x);
    for (const ep of eps) {
      ep.released = true;
      this.recompute(ep);
      // Re-check even if desired did not change (e.g. an earlier failed write waiting for its retry).
      this.pbxWorker.mark(ep.b.id);
      this.teamsWorker.mark(ep.b.id);
    }
    const deadline = Date.now() + timeoutMs;
    // Wait only while an attached adapter can still undo something: a disabled connector's leftovers stay
    // persisted for its next start, and waiting for them would only stretch every stop to the full bound.
    while (eps.some((ep) => this.canUndo(ep)) && Date.now() < deadline) {
      await sleep(Math.min(20, Math.max(1, deadline - Date.now())));
    }
    return eps.filter((ep) => !isNeutral(ep.hub)).map((ep) => ep.b.id);
  }

  /** Whether something the hub set on this endpoint is left on a side whose adapter is attached. */
  private canUndo(ep: Ep): boolean {
    return (
      (holdsPbx(ep.hub) && this.connectors.has(ep.b.connectorId)) ||
      (holdsTeamsSession(ep.hub) && this.teams !== null)
    );
  }

  /**
   * Before the Teams connector is switched off: clear every hub Graph session (bounded) while the adapter
   * can still write. Returns how many sessions were left (they expire on their own).
   */
  async releaseTeams(timeoutMs: number): Promise<number> {
    if (!this.teams) return 0;
    this.teamsReleasing = true;
    for (const ep of this.eps.values()) {
      this.recomputeTeams(ep, false);
      this.teamsWorker.mark(ep.b.id);
    }
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      let left = 0;
      for (const ep of this.eps.values()) if (holdsTeamsSession(ep.hub)) left++;
      if (left === 0 || Date.now() >= deadline) return left;
      await sleep(Math.min(20, Math.max(1, deadline - Date.now())));
    }
  }

  /** Lift a release (connector re-enabled): the endpoints follow their rules again. */
  unrelease(ids: readonly string[]): void {
    for (const id of ids) {
      const ep = this.eps.get(id);
      if (!ep?.released) continue;
      ep.released = false;
      this.recompute(ep);
    }
  }

  /** Compare and apply for every endpoint (or one side); the same path as reconnect, reload and restart. */
  reconcileAll(side?: "pbx" | "teams"): void {
    for (const ep of this.eps.values()) {
      this.recompute(ep);
      if (side !== "teams") this.pbxWorker.mark(ep.b.id);
      if (side !== "pbx") this.teamsWorker.mark(ep.b.id);
    }
  }

  snapshot(id: string): EndpointSyncSnapshot | undefined {
    const ep = this.eps.get(id);
    if (!ep) return undefined;
    return {
      binding: ep.b,
      released: ep.released,
      teams: { facts: ep.teamsFacts, observed: ep.teamsObserved, at: ep.teamsAt },
      pbx: { callState: ep.callState, activity: ep.userActivity, hubSlot: ep.hubSlotObserved, at: ep.pbxAt },
      desiredPbx: ep.desiredPbx,
      desiredTeams: ep.desiredTeams,
      hub: ep.hub,
      pbxPending: this.pbxPending(ep),
      teamsPending: this.teamsPending(ep),
      pbxError: ep.pbxError,
      teamsError: ep.teamsError,
      pbxWriteAt: ep.pbxWriteAt,
      teamsWriteAt: ep.teamsWriteAt,
      lastDecision: { teamsToPbx: ep.decT2P, pbxToTeams: ep.decP2T },
    };
  }

  stats(): { endpoints: number; pending: number; failing: number } {
    return {
      endpoints: this.eps.size,
      pending: this.pbxWorker.pending() + this.teamsWorker.pending(),
      failing: this.pbxWorker.failing() + this.teamsWorker.failing(),
    };
  }

  /** Resolves when no write is queued or running on either side (tests, shutdown). */
  async idle(): Promise<void> {
    for (let i = 0; i < 1000; i++) {
      await Promise.all([this.pbxWorker.idle(), this.teamsWorker.idle()]);
      await sleep(0);
      if (this.pbxWorker.pending() === 0 && this.teamsWorker.pending() === 0) return;
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribeRules();
    for (const id of [...this.connectors.keys()]) this.removeConnector(id);
    this.setTeams(null);
    for (const ep of this.eps.values()) if (ep.clearedEcho) clearTimeout(ep.clearedEcho.timer);
    this.pbxWorker.close();
    this.teamsWorker.close();
  }

  // ------------------------------------------------------------------ events (hot path)

  private onTeamsPresence(userId: string, p: TeamsPresence): void {
    const list = this.byTeamsUser.get(userId);
    if (!list) return;
    const at = new Date().toISOString();
    for (const ep of list) {
      ep.teamsObserved = p;
      ep.teamsAt = at;
      const echo = this.isTeamsEcho(ep, p);
      this.notify({ kind: "event.processed", side: "teams", echo });
      if (echo || sameTeamsPresence(ep.teamsFacts, p)) continue;
      ep.teamsFacts = p;
      this.recomputePbx(ep, true);
    }
  }

  private onPbxPresence(entry: ConnectorEntry, guid: string, items: PbxPresenceItem[]): void {
    const ep = entry.byGuid.get(guid);
    if (!ep) return;
    const { userActivity, hubSlot } = splitPresence(items, entry.c.adapter.hubContact);
    ep.pbxAt = new Date().toISOString();
    ep.hubSlotObserved = hubSlot;
    // The PBX shows what really is in the hub's slot. If it differs from what we believe and no write is
    // on its way, believe the PBX (someone cleared it, the PBX restarted) and let the worker correct it.
    if (!ep.hub.pbxDirty && !this.pbxWorker.isBusy(ep.b.id) && !sameSlot(ep.hub.pbx, hubSlot)) {
      this.setHub(ep, { pbx: hubSlot });
      this.pbxWorker.mark(ep.b.id);
    }
    // Unchanged user activity: the event was (at most) the echo of the hub's own slot.
    const unchanged = ep.userActivity === userActivity;
    this.notify({ kind: "event.processed", side: "pbx", echo: unchanged });
    if (unchanged) return;
    ep.userActivity = userActivity;
    if (ep.callState === null && entry.synchronized) ep.callState = "idle";
    this.recomputeTeams(ep, true);
  }

  private onCallState(entry: ConnectorEntry, guid: string, state: PbxCallState): void {
    if (state === "idle") entry.calls.delete(guid);
    else entry.calls.set(guid, state);
    const ep = entry.byGuid.get(guid);
    if (!ep) return;
    ep.pbxAt = new Date().toISOString();
    this.notify({ kind: "event.processed", side: "pbx", echo: false });
    if (ep.callState === state) return;
    ep.callState = state;
    ep.userActivity ??= "";
    this.recomputeTeams(ep, true);
  }

  private onPbxUser(entry: ConnectorEntry, user: PbxUser): void {
    entry.users.set(user.guid, user);
    const ep = entry.byGuid.get(user.guid);
    // A CFB change (e.g. the user removed their own entry) can change what "ensure" has to do.
    if (ep?.desiredPbx?.cfb === "ensure") this.pbxWorker.mark(ep.b.id);
  }

  private onPbxSynchronized(entry: ConnectorEntry): void {
    entry.synchronized = true;
    // After a (re)connect every watched user without a call event is idle; then compare and apply all.
    for (const ep of entry.byGuid.values()) {
      ep.callState ??= "idle";
      ep.userActivity ??= "";
      this.recompute(ep);
      this.pbxWorker.mark(ep.b.id);
      this.teamsWorker.mark(ep.b.id);
    }
  }

  private onPbxStatus(entry: ConnectorEntry, online: boolean): void {
    if (online) {
      if (entry.staleTimer) clearTimeout(entry.staleTimer);
      entry.staleTimer = undefined;
      if (entry.stale) {
        entry.stale = false;
        // Facts were forgotten: hold until the adapter's `synchronized` brings fresh ones.
        for (const ep of entry.byGuid.values()) this.recompute(ep);
      }
      return;
    }
    if (entry.staleTimer || entry.stale) return;
    entry.synchronized = false;
    entry.staleTimer = setTimeout(() => {
      entry.staleTimer = undefined;
      if (this.connectors.get(entry.c.id) !== entry) return;
      entry.stale = true;
      entry.calls.clear();
      this.log.warn(
        { connectorId: entry.c.id },
        "PBX offline too long: its facts are stale; Teams made neutral",
      );
      for (const ep of entry.byGuid.values()) {
        ep.callState = null;
        ep.userActivity = null;
        this.recomputeTeams(ep, false);
      }
    }, this.staleAfterMs);
    entry.staleTimer.unref?.();
  }

  private onTeamsStatus(online: boolean): void {
    if (online) {
      if (this.teamsStaleTimer) clearTimeout(this.teamsStaleTimer);
      this.teamsStaleTimer = undefined;
      this.setTeamsStale(false);
      return;
    }
    if (this.teamsStaleTimer || this.teamsStale) return;
    this.teamsStaleTimer = setTimeout(() => {
      this.teamsStaleTimer = undefined;
      this.log.warn("Teams offline too long: its facts are stale; PBX made neutral");
      this.setTeamsStale(true);
    }, this.staleAfterMs);
    this.teamsStaleTimer.unref?.();
  }

  private setTeamsStale(stale: boolean): void {
    if (!stale && this.teamsStaleTimer) {
      clearTimeout(this.teamsStaleTimer);
      this.teamsStaleTimer = undefined;
    }
    if (this.teamsStale === stale) return;
    this.teamsStale = stale;
    for (const ep of this.eps.values()) {
      if (stale) {
        ep.teamsFacts = null;
        ep.teamsObserved = null;
      }
      this.recomputePbx(ep, false);
    }
  }

  private onRulesSwapped(type: string): void {
    for (const entry of this.connectors.values()) {
      if (entry.c.type !== type) continue;
      for (const ep of entry.byGuid.values()) this.recompute(ep, true);
    }
  }

  // ------------------------------------------------------------------ decisions

  private ruleSet(ep: Ep): { entry: ConnectorEntry; rs: ActiveRuleSet } | undefined {
    const entry = this.connectors.get(ep.b.connectorId);
    if (!entry) return undefined;
    const rs = this.options.rules.get(entry.c.type);
    return rs ? { entry, rs } : undefined;
  }

  /** The endpoint follows its rules (otherwise the hub wants both sides neutral). */
  private active(ep: Ep): boolean {
    return ep.b.enabled && !!ep.b.teamsUserId && !ep.released && !this.closed;
  }

  private recompute(ep: Ep, log = false): void {
    this.recomputePbx(ep, log);
    this.recomputeTeams(ep, log);
  }

  private recomputePbx(ep: Ep, log: boolean): void {
    let desired: PbxDesiredState | null;
    const ctx = this.ruleSet(ep);
    if (!this.active(ep) || !this.teams || this.teamsStale) {
      desired = NEUTRAL_PBX;
    } else if (!ctx) {
      // Connector not attached yet (start-up) or no rule set: hold. Deleting/disabling releases explicitly.
      desired = null;
    } else if (!ep.teamsFacts) {
      desired = null; // Teams facts not known yet (start-up): hold what is set rather than flicker.
    } else {
      const d = ctx.rs.decideTeamsToPbx(ep.teamsFacts);
      desired = { activity: d.activity, note: d.activity ? d.note : "", cfb: d.cfb };
      const changed = !samePbxDesired(desired, ep.desiredPbx);
      if (log || changed) {
        const f = ep.teamsFacts;
        ep.decT2P = {
          rule: d.rule,
          reason: internReason(
            `Teams ${f.availability}/${f.activity}${f.outOfOffice ? " (out of office)" : ""} → PBX ${
              d.activity || "available"
            }${d.cfb === "ensure" && d.activity ? " + busy destination" : ""} (rule ${d.rule})`,
          ),
          at: new Date().toISOString(),
          revision: ctx.rs.revision,
        };
        this.notify({
          kind: "decision.teamsToPbx",
          endpointId: ep.b.id,
          connectorId: ep.b.connectorId,
          input: f,
          decision: d,
          revision: ctx.rs.revision,
        });
      }
    }
    if (desired === null) {
      // Hold: no opinion until the facts are known (a stale earlier desire must not be applied meanwhile).
      ep.desiredPbx = null;
      return;
    }
    if (samePbxDesired(desired, ep.desiredPbx)) return;
    ep.desiredPbx = desired;
    this.pbxWorker.mark(ep.b.id);
    this.notify({ kind: "endpoint.changed", endpointId: ep.b.id });
  }

  private recomputeTeams(ep: Ep, log: boolean): void {
    let desired: { presence: TeamsPresencePair | null } | null;
    const ctx = this.ruleSet(ep);
    if (!this.active(ep) || this.teamsReleasing || this.connectors.get(ep.b.connectorId)?.stale) {
      desired = { presence: null };
    } else if (!ctx || ep.callState === null) {
      desired = null; // PBX facts not known yet
    } else {
      const input = { callState: ep.callState, activity: ep.userActivity ?? "" };
      const d = ctx.rs.decidePbxToTeams(input);
      desired = { presence: d.presence };
      const changed = !ep.desiredTeams || !samePair(ep.desiredTeams.presence, d.presence);
      if (log || changed) {
        ep.decP2T = {
          rule: d.rule,
          reason: internReason(
            `PBX ${input.callState}${input.activity ? `, ${input.activity}` : ""} → Teams ${
              d.presence ? `${d.presence.availability}/${d.presence.activity}` : "cleared"
            } (rule ${d.rule})`,
          ),
          at: new Date().toISOString(),
          revision: ctx.rs.revision,
        };
        this.notify({
          kind: "decision.pbxToTeams",
          endpointId: ep.b.id,
          connectorId: ep.b.connectorId,
          input,
          decision: d,
          revision: ctx.rs.revision,
        });
      }
    }
    if (desired === null) {
      ep.desiredTeams = null;
      return;
    }
    if (ep.desiredTeams && samePair(ep.desiredTeams.presence, desired.presence)) return;
    ep.desiredTeams = desired;
    this.teamsWorker.mark(ep.b.id);
    this.notify({ kind: "endpoint.changed", endpointId: ep.b.id });
  }

  // ------------------------------------------------------------------ echo handling (Teams)

  /**
   * Graph reports only the aggregate of all sessions, so an observation equal to the pair of the hub's own
   * session (wanted, being written or acknowledged) cannot be told apart from the user's own presence and
   * is treated as the hub's echo. A pair the hub just cleared is still an echo for echoGraceMs.
   */
  private isTeamsEcho(ep: Ep, p: TeamsPresence): boolean {
    if (showsPair(p, ep.desiredTeams?.presence) || showsPair(p, ep.hub.teams)) return true;
    return !!ep.clearedEcho && ep.clearedEcho.until > Date.now() && showsPair(p, ep.clearedEcho.pair);
  }

  /** The echo window changed: the last observation may now be the user's own presence. */
  private reevaluateTeamsObservation(ep: Ep): void {
    const p = ep.teamsObserved;
    if (!p || this.isTeamsEcho(ep, p) || sameTeamsPresence(ep.teamsFacts, p)) return;
    ep.teamsFacts = p;
    this.recomputePbx(ep, true);
  }

  private startClearedEcho(ep: Ep, pair: TeamsPresencePair): void {
    if (ep.clearedEcho) clearTimeout(ep.clearedEcho.timer);
    const timer = setTimeout(() => {
      if (ep.clearedEcho?.timer === timer) ep.clearedEcho = null;
      this.reevaluateTeamsObservation(ep);
    }, this.echoGraceMs);
    timer.unref?.();
    ep.clearedEcho = { pair, until: Date.now() + this.echoGraceMs, timer };
  }

  // ------------------------------------------------------------------ workers (apply differences)

  private setHub(ep: Ep, patch: Partial<HubSetState>): void {
    ep.hub = { ...ep.hub, ...patch };
    // A removed endpoint (write finished after the removal) has no row to persist into.
    if (this.eps.get(ep.b.id) !== ep) return;
    this.options.persistence.save(ep.b.id, ep.hub);
  }

  private pbxPending(ep: Ep): boolean {
    const d = ep.desiredPbx;
    if (!d) return false;
    const wantSlot = d.activity ? { activity: d.activity, note: d.note } : null;
    if (ep.hub.pbxDirty || !sameSlot(ep.hub.pbx, wantSlot)) return true;
    if (!(d.cfb === "ensure" && d.activity) && ep.hub.cfb) return true;
    return this.pbxWorker.isBusy(ep.b.id);
  }

  private teamsPending(ep: Ep): boolean {
    const d = ep.desiredTeams;
    if (!d) return false;
    if (ep.hub.teamsDirty || !samePair(ep.hub.teams, d.presence)) return true;
    return this.teamsWorker.isBusy(ep.b.id);
  }

  /** Runs one write of a side, records its outcome on the endpoint and reports it; false = retry later. */
  private async tryWrite(
    ep: Ep,
    id: string,
    side: SyncSide,
    op: "setPresence" | "clearPresence" | "addCfb" | "removeCfb",
    detail: Record<string, unknown>,
    fn: () => Promise<void>,
  ): Promise<boolean> {
    const base = { kind: "write" as const, side, op, endpointId: id, connectorId: ep.b.connectorId, detail };
    try {
      // What the hub is about to set (dirty flag, CFB intent) must be on disk before the write can happen.
      this.options.persistence.flush?.();
      await fn();
      if (side === "pbx") {
        ep.pbxError = null;
        ep.pbxWriteAt = new Date().toISOString();
      } else {
        ep.teamsError = null;
        ep.teamsWriteAt = new Date().toISOString();
      }
      this.notify({ ...base, ok: true });
      return true;
    } catch (e) {
      const error = errorMessage(e);
      if (side === "pbx") ep.pbxError = `${op} failed: ${error}`;
      else ep.teamsError = `${op} failed: ${error}`;
      this.notify({ ...base, ok: false, error });
      this.log.warn(
        { endpointId: id, op, err: error },
        `${side === "pbx" ? "PBX" : "Teams"} write failed; will retry`,
      );
      return false;
    }
  }

  private async applyPbx(id: string): Promise<RunResult> {
    const ep = this.eps.get(id);
    if (!ep) return "done";
    const entry = this.connectors.get(ep.b.connectorId);
    if (!entry) return "done";
    const a = entry.c.adapter;
    // Offline: nothing to do now; the adapter's next `synchronized` reconciles everything.
    if (a.status().state !== "online") return "deferred";
    const guid = ep.b.pbxGuid;
    const write = (
      op: "setPresence" | "addCfb" | "removeCfb",
      detail: Record<string, unknown>,
      fn: () => Promise<void>,
    ) => this.tryWrite(ep, id, "pbx", op, detail, fn);

    // 0. A crash during addCfb, or a lost reply: adopt the entry that appeared for that destination since.
    // Not finding it in the replicated copy proves nothing (the copy can lag behind the PBX), so the intent
    // then stays until the PBX itself answers: an adopting add in step 1, or the removal in step 3.
    if (ep.hub.cfbIntent && !ep.hub.cfb) {
      const intent = ep.hub.cfbIntent;
      const user = entry.users.get(guid);
      if (!user) return "deferred";
      const adopted = user.cfb.find(
        (x) => matchesDestination(x, intent.destination) && !intent.before.some((b) => sameEntry(b, x)),
      );
      if (adopted) this.setHub(ep, { cfb: adopted, cfbIntent: null });
    }
    const d = ep.desiredPbx;
    if (!d) return "done";
    const wantCfb = d.cfb === "ensure" && d.activity !== "";

    // 1. Going busy: make sure a busy destination exists before the presence that makes the PBX divert.
    if (wantCfb && !ep.hub.cfb) {
      const user = entry.users.get(guid);
      const own = user?.cfb ?? [];
      // Without Admin access the fallback cannot be added: still write the presence below (it diverts to
      // the user's own CFB and shows colleagues the status); the endpoint view warns about the rest.
      if (user && own.length === 0 && entry.c.defaultDestination && a.cfbWritable()) {
        const destination = entry.c.defaultDestination;
        // The hub adds only for users without any CFB entry, so after an unresolved attempt an equal plain
        // entry on the PBX is the hub's own: adopt it rather than add a second one.
        const adoptExisting = ep.hub.cfbIntent?.destination === destination;
        this.setHub(ep, { cfbIntent: { destination, before: own } });
        let added: CfbEntry | undefined;
        const ok = await write("addCfb", { destination }, async () => {
          added = await a.addCfb(guid, destination, { adoptExisting });
        });
        // A failed addCfb may still have added the entry (reply lost): keep the intent so the retry adopts
        // an entry that appeared for the destination instead of adding a second one.
        if (!ok) return "retry";
        this.setHub(ep, { cfb: added ?? plainCfbEntry(destination), cfbIntent: null });
      }
    }

    // 2. The hub's presence slot.
    const target: PbxSlot | null = d.activity ? { activity: d.activity, note: d.note } : null;
    if (ep.hub.pbxDirty || !sameSlot(ep.hub.pbx, target)) {
      this.setHub(ep, { pbxDirty: true });
      const ok = await write("setPresence", { activity: d.activity, note: d.note }, () =>
        a.setPresence(guid, target?.activity ?? "", target?.note ?? ""),
      );
      if (!ok) return "retry";
      this.setHub(ep, { pbx: target, pbxDirty: false });
    }

    // 3. Presence cleared (or CFB no longer wanted): remove exactly the entry the hub added — or, after an
    // unresolved attempt, the plain entry that attempt may have added (removeCfb re-reads the PBX's list).
    const intent = ep.hub.cfbIntent;
    const entryToRemove = ep.hub.cfb ?? (intent ? plainCfbEntry(intent.destination) : null);
    if (!wantCfb && entryToRemove) {
      const ok = await write("removeCfb", { entry: entryToRemove }, async () => {
        await a.removeCfb(guid, entryToRemove);
      });
      if (!ok) return "retry";
      this.setHub(ep, { cfb: null, cfbIntent: null });
    }
    this.notify({ kind: "endpoint.changed", endpointId: id });
    return "done";
  }

  private async applyTeams(id: string): Promise<RunResult> {
    const ep = this.eps.get(id);
    if (!ep) return "done";
    const d = ep.desiredTeams;
    const t = this.teams;
    if (!d || !t) return "done";
    if (t.status().state !== "online") return "deferred";
    const userId = ep.b.teamsUserId;
    const hub = ep.hub;
    const write = (
      op: "setPresence" | "clearPresence",
      target: string,
      detail: Record<string, unknown>,
      fn: () => Promise<void>,
    ) => this.tryWrite(ep, id, "teams", op, { userId: target, ...detail }, fn);
    const sessionUser = hub.teamsUserId ?? userId;
    const hasSession = hub.teams !== null || hub.teamsDirty;
    // Clear: nothing wanted, or the session lives on a Teams user the endpoint is no longer mapped to.
    if (hasSession && sessionUser && (d.presence === null || sessionUser !== userId)) {
      const cleared = hub.teams;
      this.setHub(ep, { teamsDirty: true });
      const ok = await write("clearPresence", sessionUser, {}, () => t.clearPresence(sessionUser));
      if (!ok) return "retry";
      this.setHub(ep, { teams: null, teamsUserId: null, teamsDirty: false });
      if (cleared) this.startClearedEcho(ep, cleared);
      this.reevaluateTeamsObservation(ep);
    }
    const want = ep.desiredTeams?.presence ?? null;
    if (want && userId && (ep.hub.teamsDirty || !ep.teamsFresh || !samePair(ep.hub.teams, want))) {
      this.setHub(ep, { teamsDirty: true, teamsUserId: userId });
      const ok = await write(
        "setPresence",
        userId,
        { availability: want.availability, activity: want.activity },
        () => t.setPresence(userId, want),
      );
      if (!ok) return "retry";
      ep.teamsFresh = true;
      this.setHub(ep, { teams: want, teamsUserId: userId, teamsDirty: false });
    }
    if (!want && !hasSession) ep.teamsFresh = true;
    this.reevaluateTeamsObservation(ep);
    this.notify({ kind: "endpoint.changed", endpointId: id });
    return "done";
  }

  // ------------------------------------------------------------------ watch lists

  private queueWatch(entry: ConnectorEntry): void {
    if (entry.watchQueued) return;
    entry.watchQueued = true;
    queueMicrotask(() => {
      entry.watchQueued = false;
      if (this.connectors.get(entry.c.id) !== entry) return;
      const guids: string[] = [];
      for (const ep of entry.byGuid.values()) {
        if (this.active(ep) || !isNeutral(ep.hub) || ep.released) guids.push(ep.b.pbxGuid);
      }
      entry.c.adapter.watch(guids);
    });
  }

  private queueTeamsWatch(): void {
    if (this.teamsWatchQueued) return;
    this.teamsWatchQueued = true;
    queueMicrotask(() => {
      this.teamsWatchQueued = false;
      const t = this.teams;
      if (!t) return;
      const ids = new Set<string>();
      for (const ep of this.eps.values()) {
        if (ep.b.teamsUserId && ep.b.enabled) ids.add(ep.b.teamsUserId);
      }
      t.watch([...ids]);
    });
  }
}

export function isNeutral(h: HubSetState): boolean {
  return !holdsPbx(h) && !holdsTeamsSession(h);
}

/** Something the hub set (or may have set) on the PBX: its presence slot, a CFB entry or an unresolved add. */
export function holdsPbx(h: HubSetState): boolean {
  return !!(h.pbx || h.pbxDirty || h.cfb || h.cfbIntent);
}

/** A Graph session the hub set (or may have set) for the endpoint's Teams user. */
export function holdsTeamsSession(h: HubSetState): boolean {
  return !!(h.teams || h.teamsDirty);
}

function matchesDestination(e: CfbEntry, destination: string): boolean {
  return e.e164 === destination || e.h323 === destination;
}

function sameEntry(a: CfbEntry, b: CfbEntry): boolean {
  return (
    a.e164 === b.e164 &&
    a.h323 === b.h323 &&
    a.bool === b.bool &&
    !!a.boolNot === !!b.boolNot &&
    !!a.precedence === !!b.precedence &&
    !!a.filtered === !!b.filtered
  );
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
