// Types of the sync core: the endpoint binding it is given, the hub-set state it persists (what the hub
// itself wrote on each side, so a restart can reconcile and undo), and the observations it reports.
import type { CfbEntry, PbxAdapter } from "../ports/adapters.js";
import type { PbxCallState, TeamsPresence, TeamsPresencePair } from "../presence.js";
import type { CfbPlan } from "../rules/cfb.js";
import type { PbxPresenceDecision, TeamsPresenceDecision } from "../rules/types.js";

/** One endpoint as the core needs it: which PBX user on which connector pairs with which Teams user. */
export interface SyncBinding {
  id: string;
  connectorId: string;
  pbxGuid: string;
  /** null = not matched: the endpoint is neutral (the hub sets nothing for it). */
  teamsUserId: string | null;
  enabled: boolean;
}

/** A connector as the core sees it: its adapter, rule set type and CFB fallback. */
export interface SyncConnector {
  id: string;
  /** Rule set id (connector type). */
  type: string;
  adapter: PbxAdapter;
  /** Connector's default destination number for the CFB fallback ("" = none). */
  defaultDestination: string;
}

/** What the hub wrote into its PBX contact slot and confirmed. */
export interface PbxSlot {
  activity: string;
  note: string;
}

/**
 * Persisted per endpoint. `*Dirty` is set before a write is sent and cleared with its acknowledgement, so a
 * hub that died mid-write knows it cannot trust the acknowledged value and re-sends what it wants.
 */
export interface HubSetState {
  /** Acknowledged content of the hub's PBX slot; null = nothing set (or cleared). */
  pbx: PbxSlot | null;
  pbxDirty: boolean;
  /** Exactly the CFB entry the hub added (and must remove, unless the rule set says restore: false); null = none. */
  cfb: CfbEntry | null;
  /** An addCfb in flight: the entry and the user's entries before, to adopt the entry after a crash. */
  cfbIntent: { entry: CfbEntry; before: CfbEntry[] } | null;
  /** Entries the hub added under an earlier plan, still to remove once the current one is in place. */
  cfbRetired: CfbEntry[];
  /** Acknowledged pair of the hub's Graph session; null = no session (cleared). */
  teams: TeamsPresencePair | null;
  /** The Teams user the session was set on (a remapped endpoint clears it there). */
  teamsUserId: string | null;
  teamsDirty: boolean;
}

export const EMPTY_HUB_SET: HubSetState = Object.freeze({
  pbx: null,
  pbxDirty: false,
  cfb: null,
  cfbIntent: null,
  cfbRetired: Object.freeze([]) as unknown as CfbEntry[],
  teams: null,
  teamsUserId: null,
  teamsDirty: false,
}) as HubSetState;

/**
 * Persistence port of the core. Saves may be buffered (several committed together); `flush` is what makes
 * them durable, and the core awaits it before every write to an external system.
 */
export interface SyncPersistence {
  /** The states an earlier run stored (read once, when the core starts). */
  loadAll(): Map<string, HubSetState>;
  save(endpointId: string, state: HubSetState): void;
  remove(endpointId: string): void;
  /**
   * Resolves once every save and remove made before the call is stored; rejects when that failed (the
   * store is away, or another instance owns the tenant now) — the write that waited must not be sent.
   */
  flush?(): void | Promise<void>;
}

export type SyncSide = "pbx" | "teams";

/** Why the core decided what it did: kept per endpoint and side, reused as the event log's message. */
export interface DecisionRecord {
  /** Name of the rule that decided (or "default"). */
  rule: string;
  /** For humans: "Teams Busy/InACall → PBX dnd, calls to 200 (…) (rule teams-call)". */
  reason: string;
  at: string;
  /** Revision of the rule set that decided. */
  revision: number;
}

/** Everything the core reports, for the event log, metrics and live UI updates. */
export type SyncNotice =
  | {
      kind: "decision.teamsToPbx";
      endpointId: string;
      connectorId: string;
      input: TeamsPresence;
      decision: PbxPresenceDecision;
      /** The CFB plan for this user under the decision (destination, which fallback step, what the hub adds). */
      cfb: CfbPlan;
      record: DecisionRecord;
    }
  | {
      kind: "decision.pbxToTeams";
      endpointId: string;
      connectorId: string;
      input: { callState: PbxCallState; activity: string };
      decision: TeamsPresenceDecision;
      record: DecisionRecord;
    }
  | {
      kind: "write";
      side: SyncSide;
      op: WriteOp;
      endpointId: string;
      connectorId: string;
      ok: boolean;
      detail: Record<string, unknown>;
      error?: string;
    }
  | {
      /** The plan no longer wants entries the hub added, and the rule set says restore: false: left in place. */
      kind: "cfb.kept";
      endpointId: string;
      connectorId: string;
      entries: CfbEntry[];
    }
  | {
      /** The CFB entry the hub holds was removed on the PBX by someone else while diverting: re-added. */
      kind: "cfb.lost";
      endpointId: string;
      connectorId: string;
      entry: CfbEntry;
    }
  | { kind: "endpoint.changed"; endpointId: string }
  | { kind: "event.processed"; side: SyncSide; echo: boolean };

export type WriteOp = "setPresence" | "clearPresence" | "addCfb" | "removeCfb";
