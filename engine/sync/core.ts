// The sync core (docs/sync.md §1, §2) as wiring: adapter events update the facts of an endpoint
// (EndpointState), the pure decide step (decide.ts) turns facts + the active rule set into the desired state
// of each side, and two keyed workers (PBX, Teams) run the apply protocols (apply-pbx.ts, apply-teams.ts)
// with bounded concurrency; latest wins. Echoes of the hub's own writes never reach the opposite direction
// (PBX: the hub's contact slot, split off in facts.ts; Teams: teams-echo.ts). A side offline too long has
// stale facts (staleness.ts) and the other side is made neutral.
import { errorMessage } from "../../common/errors.js";
import { interner } from "../../common/intern.js";
import { type Logger, logger as makeLogger } from "../../common/log.js";
import type { TeamsAdapter } from "../ports/adapters.js";
import { type CfbFacts, sameCfbEntry } from "../rules/cfb.js";
import type { ActiveRuleSet, RuleSetSource } from "../rules/types.js";
import { applyPbx } from "./apply-pbx.js";
import { applyTeams } from "./apply-teams.js";
import { decidePbxSide, decideTeamsSide, type Gate, pbxToTeamsReason, teamsToPbxReason } from "./decide.js";
import { type EndpointState, newEndpointState } from "./endpoint.js";
import { pbxAtRest, samePair, samePbxDesired, sameSlot } from "./facts.js";
import { holdsPbx, holdsTeamsSession, hubEntries, isNeutral } from "./hub-set.js";
import { type CoreHooks, PbxLink } from "./pbx-link.js";
import { type EndpointSyncSnapshot, snapshotOf } from "./snapshot.js";
import { TeamsLink } from "./teams-link.js";
import type { HubSetState, SyncBinding, SyncConnector, SyncNotice, SyncPersistence } from "./types.js";
import { KeyedWorker } from "./worker.js";
import { WriteRecorder } from "./writes.js";

export { holdsPbx, holdsTeamsSession, isNeutral } from "./hub-set.js";
export type { EndpointSyncSnapshot } from "./snapshot.js";

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

/** Every endpoint keeps its last decisions' reasons; they come from a small vocabulary, so share them. */
const internReason = interner();

export class SyncCore {
  private readonly eps = new Map<string, EndpointState>();
  private readonly connectors = new Map<string, PbxLink>();
  /**
   * Endpoints by Teams user. Arrays, not Sets: nearly every user has exactly one endpoint, and a one-element
   * Set costs ≈ 270 bytes against ≈ 60 for an array (2 MB at 10,000 users). Emptied entries are removed.
   */
  private readonly byTeamsUser = new Map<string, EndpointState[]>();
  private readonly persisted: Map<string, HubSetState>;
  private readonly pbxWorker: KeyedWorker;
  private readonly teamsWorker: KeyedWorker;
  private readonly log: Logger;
  private readonly notify: (n: SyncNotice) => void;
  private readonly writes: WriteRecorder;
  private readonly hooks: CoreHooks;
  private readonly teams: TeamsLink;
  private readonly staleAfterMs: number;
  private readonly unsubscribeRules: () => void;
  private closed = false;

  constructor(private readonly options: SyncCoreOptions) {
    this.log = options.logger ?? makeLogger("sync");
    this.notify = options.notify ?? (() => {});
    this.staleAfterMs = options.staleAfterMs ?? 300_000;
    this.persisted = options.persistence.loadAll();
    this.writes = new WriteRecorder(
      options.persistence,
      (ep) => this.eps.get(ep.binding.id) === ep,
      this.notify,
      this.log,
    );
    this.hooks = {
      recompute: (ep, log) => this.recompute(ep, log),
      recomputePbx: (ep, log) => this.recomputePbx(ep, log),
      recomputeTeams: (ep, log) => this.recomputeTeams(ep, log),
      markPbx: (id) => this.pbxWorker.mark(id),
      markTeams: (id) => this.teamsWorker.mark(id),
      pbxBusy: (id) => this.pbxWorker.isBusy(id),
      setHub: (ep, patch) => this.writes.setHub(ep, patch),
      notify: this.notify,
      watched: (ep) => this.active(ep) || !isNeutral(ep.hub) || ep.released,
    };
    this.teams = new TeamsLink(this.hooks, this.byTeamsUser, () => this.eps.values(), {
      echoGraceMs: options.echoGraceMs ?? 30_000,
      staleAfterMs: this.staleAfterMs,
      log: this.log,
    });
    const w = {
      // Writes to one PBX pipeline over a single WebSocket and Graph writes are bounded again in the Teams
      // adapter; a small window here only queues changes (8 in flight capped the bench at ~1,000/s with
      // seconds of queueing — docs/evidence.md F4).
      concurrency: options.concurrency ?? 64,
      retryBaseMs: options.retryBaseMs ?? 1000,
      retryMaxMs: options.retryMaxMs ?? 60_000,
    };
    this.pbxWorker = new KeyedWorker((id) => this.applyPbxSide(id), w);
    this.teamsWorker = new KeyedWorker((id) => this.applyTeamsSide(id), w);
    this.unsubscribeRules = options.rules.onSwap((type) => this.onRulesSwapped(type));
  }

  // ------------------------------------------------------------------ wiring

  addConnector(c: SyncConnector): void {
    this.removeConnector(c.id);
    const link = new PbxLink(c, this.hooks, this.staleAfterMs, this.log);
    this.connectors.set(c.id, link);
    for (const ep of this.eps.values())
      if (ep.binding.connectorId === c.id) link.byGuid.set(ep.binding.pbxGuid, ep);
    link.start();
    for (const ep of link.byGuid.values()) this.recompute(ep);
  }

  /** Detach a connector's adapter (its endpoints stay known, neutral-holding, until removed). */
  removeConnector(id: string): void {
    this.connectors.get(id)?.detach();
    this.connectors.delete(id);
  }

  /** Attach (or replace, or detach with null) the Teams adapter. */
  setTeams(adapter: TeamsAdapter | null): void {
    this.teams.attach(adapter);
    for (const ep of this.eps.values()) this.recompute(ep);
  }

  upsertEndpoint(b: SyncBinding): void {
    let ep = this.eps.get(b.id);
    let teamsUserChanged = false;
    if (!ep) {
      ep = newEndpointState(b, this.persisted.get(b.id));
      this.persisted.delete(b.id);
      this.eps.set(b.id, ep);
    } else {
      const old = ep.binding;
      if (old.teamsUserId !== b.teamsUserId) {
        this.unlinkTeamsUser(old.teamsUserId, ep);
        teamsUserChanged = true;
        // Facts of the previous Teams user do not apply to the new one.
        ep.teamsObserved = null;
        ep.teamsFacts = null;
        ep.teamsAt = null;
      }
      if (old.connectorId !== b.connectorId || old.pbxGuid !== b.pbxGuid) {
        this.connectors.get(old.connectorId)?.unlink(ep, old.pbxGuid);
      }
      ep.binding = b;
    }
    if (b.teamsUserId) {
      const list = this.byTeamsUser.get(b.teamsUserId);
      if (!list) this.byTeamsUser.set(b.teamsUserId, [ep]);
      else if (!list.includes(ep)) list.push(ep);
    }
    this.connectors.get(b.connectorId)?.link(ep);
    this.teams.queueWatch();
    this.recompute(ep);
    // The session may live on the previous Teams user even if the wanted pair stays the same.
    if (teamsUserChanged) this.teamsWorker.mark(b.id);
  }

  /** Forget an endpoint and its persisted hub-set state (release it first to undo). */
  removeEndpoint(id: string): void {
    const ep = this.eps.get(id);
    if (!ep) return;
    this.eps.delete(id);
    this.teams.echo.dispose(ep);
    this.unlinkTeamsUser(ep.binding.teamsUserId, ep);
    this.connectors.get(ep.binding.connectorId)?.unlink(ep);
    this.pbxWorker.cancel(id);
    this.teamsWorker.cancel(id);
    this.options.persistence.remove(id);
    this.teams.queueWatch();
    this.clearOrphanedSession(ep);
  }

  /**
   * A removed endpoint (e.g. its PBX user was deleted, possibly mid-call while the hub was disconnected) may
   * still hold a Graph session: nothing would clear it any more, so clear it now (best effort — if this
   * fails, the session expires on its own). Skipped while another endpoint's session lives on that user.
   */
  private clearOrphanedSession(ep: EndpointState): void {
    const t = this.teams.adapter;
    const userId = ep.hub.teamsUserId ?? ep.binding.teamsUserId;
    if (!t || !userId || !holdsTeamsSession(ep.hub)) return;
    // Offline: no request queue of doomed retries (e.g. a whole connector deleted while Graph is down).
    if (t.status().state !== "online") return;
    for (const other of this.byTeamsUser.get(userId) ?? []) if (holdsTeamsSession(other.hub)) return;
    const { id, connectorId } = ep.binding;
    const base = { kind: "write", side: "teams", op: "clearPresence", endpointId: id, connectorId } as const;
    t.clearPresence(userId).then(
      () => this.notify({ ...base, detail: { userId }, ok: true }),
      (e) =>
        this.log.warn(
          { endpointId: id, err: errorMessage(e) },
          "Teams session of a removed endpoint not cleared; it expires on its own",
        ),
    );
  }

  private unlinkTeamsUser(userId: string | null | undefined, ep: EndpointState): void {
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
      if (!connectorId || ep.binding.connectorId === connectorId) out.push(ep.binding.id);
    return out;
  }

  /**
   * Undo: make the endpoints neutral (hub PBX slot cleared, hub CFB entries removed — or left to the user
   * with `restore: false` — Graph session cleared) and wait until both sides acknowledged, at most timeoutMs.
   * Returns the ids not yet neutral.
   */
  async release(ids: readonly string[], timeoutMs: number): Promise<string[]> {
    const eps = ids.map((id) => this.eps.get(id)).filter((x): x is EndpointState => !!x);
    for (const ep of eps) {
      ep.released = true;
      this.recompute(ep);
      // Re-check even if desired did not change (e.g. an earlier failed write waiting for its retry).
      this.pbxWorker.mark(ep.binding.id);
      this.teamsWorker.mark(ep.binding.id);
    }
    // Wait only while an attached adapter can still undo something: a disabled connector's leftovers stay
    // persisted for its next start, and waiting for them would only stretch every stop to the full bound.
    await waitUntil(() => !eps.some((ep) => this.canUndo(ep)), timeoutMs);
    return eps.filter((ep) => !isNeutral(ep.hub)).map((ep) => ep.binding.id);
  }

  /** Whether something the hub set on this endpoint is left on a side whose adapter is attached. */
  private canUndo(ep: EndpointState): boolean {
    return (
      (holdsPbx(ep.hub) && this.connectors.has(ep.binding.connectorId)) ||
      (holdsTeamsSession(ep.hub) && this.teams.adapter !== null)
    );
  }

  /**
   * Before the Teams connector is switched off: clear every hub Graph session (bounded) while the adapter
   * can still write. Returns how many sessions were left (they expire on their own).
   */
  async releaseTeams(timeoutMs: number): Promise<number> {
    if (!this.teams.adapter) return 0;
    this.teams.releasing = true;
    for (const ep of this.eps.values()) {
      this.recomputeTeams(ep, false);
      this.teamsWorker.mark(ep.binding.id);
    }
    const left = () => [...this.eps.values()].filter((ep) => holdsTeamsSession(ep.hub)).length;
    await waitUntil(() => left() === 0, timeoutMs);
    return left();
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
      if (side !== "teams") this.pbxWorker.mark(ep.binding.id);
      if (side !== "pbx") this.teamsWorker.mark(ep.binding.id);
    }
  }

  snapshot(id: string): EndpointSyncSnapshot | undefined {
    const ep = this.eps.get(id);
    return ep && snapshotOf(ep, this.pbxPending(ep), this.teamsPending(ep));
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
    this.teams.close();
    for (const ep of this.eps.values()) this.teams.echo.dispose(ep);
    this.pbxWorker.close();
    this.teamsWorker.close();
  }

  private onRulesSwapped(type: string): void {
    for (const link of this.connectors.values()) {
      if (link.c.type !== type) continue;
      // Logged where a decision changes (not all of them: 100,000 rows would wipe the event log).
      for (const ep of link.byGuid.values()) this.recompute(ep, false);
    }
  }

  // ------------------------------------------------------------------ decisions

  private ruleSet(ep: EndpointState): { link: PbxLink; rs: ActiveRuleSet } | undefined {
    const link = this.connectors.get(ep.binding.connectorId);
    const rs = link && this.options.rules.get(link.c.type);
    return link && rs ? { link, rs } : undefined;
  }

  /** The endpoint follows its rules (otherwise the hub wants both sides neutral). */
  private active(ep: EndpointState): boolean {
    return ep.binding.enabled && !!ep.binding.teamsUserId && !ep.released && !this.closed;
  }

  private recompute(ep: EndpointState, log = false): void {
    this.recomputePbx(ep, log);
    this.recomputeTeams(ep, log);
  }

  private cfbFacts(ep: EndpointState, link: PbxLink | undefined): CfbFacts {
    const user = link?.users.get(ep.binding.pbxGuid);
    const held = hubEntries(ep.hub);
    // The hub's own entries are not the user's: they never make the userCfb step exist.
    const own =
      user && held.length ? user.cfb.filter((e) => !held.some((h) => sameCfbEntry(h, e))) : user?.cfb;
    return {
      userEntries: own ?? null,
      defaultDestination: link?.c.defaultDestination ?? "",
      cfbWritable: link?.adapter.cfbWritable() ?? false,
    };
  }

  // A changed decision goes to the event log unless it leaves a user at rest who was at rest (or unknown,
  // as after a start) before: that one is kept on the endpoint only. It is not news, and at 100,000
  // endpoints it was 200,000 rows per restart, four times what the event log keeps — a restart wiped the
  // history an admin needs to see what happened before it.
  private recomputePbx(ep: EndpointState, log: boolean): void {
    const ctx = this.ruleSet(ep);
    // Connector not attached yet (start-up) or no rule set: hold. Deleting/disabling releases explicitly.
    const neutral = !this.active(ep) || !this.teams.adapter || this.teams.stale.stale;
    const gate: Gate = neutral ? "neutral" : !ctx ? "hold" : "follow";
    const facts = ep.teamsFacts;
    const { desired, decision } = decidePbxSide({
      gate,
      ruleSet: ctx?.rs,
      teams: facts,
      cfb: this.cfbFacts(ep, ctx?.link),
    });
    if (decision && desired && ctx && facts && (log || !samePbxDesired(desired, ep.desiredPbx))) {
      const reason = internReason(teamsToPbxReason(facts, desired, decision.rule));
      const record = { rule: decision.rule, reason, at: new Date().toISOString(), revision: ctx.rs.revision };
      ep.lastTeamsToPbx = record;
      const { id: endpointId, connectorId } = ep.binding;
      const input = facts;
      if (log || !pbxAtRest(desired) || (ep.desiredPbx !== null && !pbxAtRest(ep.desiredPbx)))
        this.notify({
          kind: "decision.teamsToPbx",
          endpointId,
          connectorId,
          input,
          decision,
          cfb: desired.cfb,
          record,
        });
    }
    if (desired === null) {
      // Hold: no opinion until the facts are known (a stale earlier desire must not be applied meanwhile).
      ep.desiredPbx = null;
      return;
    }
    if (samePbxDesired(desired, ep.desiredPbx)) return;
    ep.desiredPbx = desired;
    this.pbxWorker.mark(ep.binding.id);
    this.notify({ kind: "endpoint.changed", endpointId: ep.binding.id });
  }

  private recomputeTeams(ep: EndpointState, log: boolean): void {
    const ctx = this.ruleSet(ep);
    const neutral = !this.active(ep) || this.teams.releasing || !!ctx?.link.stale.stale;
    const gate: Gate = neutral ? "neutral" : !ctx ? "hold" : "follow";
    const pbx = ep.callState === null ? null : { callState: ep.callState, activity: ep.userActivity ?? "" };
    const { desired, decision } = decideTeamsSide({ gate, ruleSet: ctx?.rs, pbx });
    if (
      decision &&
      ctx &&
      pbx &&
      (log || !ep.desiredTeams || !samePair(ep.desiredTeams.presence, decision.presence))
    ) {
      const reason = internReason(pbxToTeamsReason(pbx, decision));
      const record = { rule: decision.rule, reason, at: new Date().toISOString(), revision: ctx.rs.revision };
      ep.lastPbxToTeams = record;
      const { id: endpointId, connectorId } = ep.binding;
      if (log || decision.presence !== null || (ep.desiredTeams?.presence ?? null) !== null)
        this.notify({ kind: "decision.pbxToTeams", endpointId, connectorId, input: pbx, decision, record });
    }
    if (desired === null) {
      ep.desiredTeams = null;
      return;
    }
    if (ep.desiredTeams && samePair(ep.desiredTeams.presence, desired.presence)) return;
    ep.desiredTeams = desired;
    this.teamsWorker.mark(ep.binding.id);
    this.notify({ kind: "endpoint.changed", endpointId: ep.binding.id });
  }

  // ------------------------------------------------------------------ workers (apply differences)

  private pbxPending(ep: EndpointState): boolean {
    const d = ep.desiredPbx;
    if (!d) return false;
    const wantSlot = d.activity ? { activity: d.activity, note: d.note } : null;
    if (ep.hub.pbxDirty || !sameSlot(ep.hub.pbx, wantSlot)) return true;
    if (!sameCfbEntry(ep.hub.cfb, d.cfb.entry) || ep.hub.cfbIntent || ep.hub.cfbRetired.length) return true;
    return this.pbxWorker.isBusy(ep.binding.id);
  }

  private teamsPending(ep: EndpointState): boolean {
    const d = ep.desiredTeams;
    if (!d) return false;
    if (ep.hub.teamsDirty || !samePair(ep.hub.teams, d.presence)) return true;
    return this.teamsWorker.isBusy(ep.binding.id);
  }

  private applyPbxSide(id: string) {
    const ep = this.eps.get(id);
    const link = ep && this.connectors.get(ep.binding.connectorId);
    if (!ep || !link) return Promise.resolve("done" as const);
    return applyPbx(ep, link, this.writes);
  }

  private applyTeamsSide(id: string) {
    const ep = this.eps.get(id);
    const t = this.teams.adapter;
    if (!ep || !t) return Promise.resolve("done" as const);
    return applyTeams(ep, t, this.writes, {
      cleared: (e, pair) => pair && this.teams.echo.cleared(e, pair),
      reevaluate: (e) => this.teams.reevaluate(e),
    });
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `done` every 20 ms until it holds or `timeoutMs` passed. */
async function waitUntil(done: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done() && Date.now() < deadline) await sleep(Math.min(20, Math.max(1, deadline - Date.now())));
}
