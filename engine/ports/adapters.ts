// The ports of the engine: the contract between connector adapters (one per external system) and the
// sync core.
// Adapters turn external events into normalized facts (events below) and apply desired states
// (methods below). They own reconnects; the core only sees status changes and `synchronized`.
import type { Emits } from "../../common/emitter.js";
import type { ConnectorStatus } from "../../common/supervisor.js";
import type { PbxCallState, TeamsPresence, TeamsPresencePair } from "../presence.js";

// The status a connector reports (Status column); defined beside the supervisor that produces it, in
// common/, so the shared supervisor (both adapters) can use it without importing the engine.
export type { ConnectorState, ConnectorStatus } from "../../common/supervisor.js";

/** One step of a connection test (UI Test button, `presence-hub pbx|teams test`). */
export interface TestStep {
  step: string;
  ok: boolean;
  /** "warn" marks a usable-but-degraded step (e.g. Admin access missing). */
  level?: "ok" | "warn" | "error";
  message: string;
}

export interface ConnectionTestResult {
  ok: boolean;
  summary: string;
  steps: TestStep[];
}


// ---------------------------------------------------------------- PBX side

/** A call forward on busy destination as the PBX reports it (replication or PbxAdminApi, either shape). */
export interface CfbEntry {
  e164?: string;
  h323?: string;
  /** Boolean object name the entry depends on, if any. */
  bool?: string;
  boolNot?: boolean;
  precedence?: boolean;
  /** True when the entry has a caller filter. */
  filtered?: boolean;
}

/** The plain CFB entry (no Boolean, no filter) to a destination: a number is an e164 entry, a name h323. */
export function plainCfbEntry(destination: string): CfbEntry {
  return /^\+?[0-9*#]+$/.test(destination) ? { e164: destination } : { h323: destination };
}

export interface PbxUser {
  guid: string;
  h323: string;
  cn: string;
  dn: string;
  e164: string;
  emails: string[];
  /** Effective "Call forward based on Presence" (own value, else the template's); null = unknown. */
  cfpr: boolean | null;
  /** The user's CFB entries. */
  cfb: CfbEntry[];
}

/** One item of a PbxApi presence array. */
export interface PbxPresenceItem {
  contact: string;
  status?: string;
  activity: string;
  note: string;
}

export interface PbxAdapterEvents {
  status: (status: ConnectorStatus) => void;
  /** A user appeared or changed (replication). */
  user: (user: PbxUser) => void;
  userRemoved: (guid: string) => void;
  /** The full presence array of a watched user, newest first, including the hub's own contact slot. */
  presence: (guid: string, items: PbxPresenceItem[]) => void;
  callState: (guid: string, state: PbxCallState) => void;
  /** After every (re)connect: users replicated, presence subscribed, call monitor running → reconcile now. */
  synchronized: () => void;
}

export interface PbxAdapter extends Emits<PbxAdapterEvents> {
  /** The presence contact slot the hub writes (e.g. "presence-hub:"); items in it are the hub's own echo. */
  readonly hubContact: string;
  start(): void;
  /** Disconnects. Does not clear anything; the core clears what it set before calling stop when it must. */
  stop(): Promise<void>;
  status(): ConnectorStatus;
  users(): PbxUser[];
  /** Users (by guid) whose presence the core wants to observe and may set. */
  watch(guids: readonly string[]): void;
  /** Write the hub's contact slot; activity "" clears it. */
  setPresence(guid: string, activity: string, note: string): Promise<void>;
  /**
   * Add a CFB entry to `destination` for the user; resolves with exactly the entry that was added. With
   * `precedence` the entry "takes precedence" over the user's own (an administrative call forward). With
   * `adoptExisting`, an equal entry the PBX already has is returned instead of adding a second one (the retry
   * of an add whose reply was lost; the PBX, not a replicated copy, decides).
   */
  addCfb(
    guid: string,
    destination: string,
    options?: { adoptExisting?: boolean; precedence?: boolean },
  ): Promise<CfbEntry>;
  /** Remove exactly this entry if it is still present; never touches other entries. Resolves false if absent. */
  removeCfb(guid: string, entry: CfbEntry): Promise<boolean>;
  /**
   * False while the PBX does not let the hub change call forwards (an App object without Admin access):
   * the core then skips the CFB fallback and still writes the presence, instead of retrying for good.
   */
  cfbWritable(): boolean;
}

// ---------------------------------------------------------------- Teams side

export interface TeamsUser {
  id: string;
  displayName: string;
  mail: string | null;
  userPrincipalName: string;
}

export interface TeamsAdapterEvents {
  status: (status: ConnectorStatus) => void;
  /** Aggregated Teams presence of a watched user (notification, poll or resync). */
  presence: (userId: string, presence: TeamsPresence) => void;
  /** After (re)start or a resync: subscriptions in place and presence read → reconcile now. */
  synchronized: () => void;
}

export interface TeamsAdapter extends Emits<TeamsAdapterEvents> {
  start(): void;
  stop(): Promise<void>;
  status(): ConnectorStatus;
  /** Users (by Entra object id) whose presence the core wants to observe. */
  watch(userIds: readonly string[]): void;
  /** Set the hub's own Graph session; the adapter keeps refreshing it until clearPresence. */
  setPresence(userId: string, presence: TeamsPresencePair): Promise<void>;
  /** Clear the hub's own Graph session (404 = already clear counts as success). */
  clearPresence(userId: string): Promise<void>;
  /** The tenant's users for endpoint matching (paged internally). */
  listUsers(): Promise<TeamsUser[]>;
}
