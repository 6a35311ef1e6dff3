// The contract between the rule engine and its consumers (sync core, server, CLI).
// A rule set is compiled into decision tables at load time; the event path only calls the `decide*`
// functions below, which are table lookups (json-rules-engine never runs per presence event).
import type { PbxFacts, TeamsPresence, TeamsPresencePair } from "../presence.js";
import type { CfbPolicy } from "./cfb.js";

/** What to do with Call Forward Busy while the decided PBX presence is active. */
export type CfbAction = "ensure" | "leave";

/** Teams → PBX: the presence the hub writes into its own contact slot on the PBX. */
export interface PbxPresenceDecision {
  /** Name of the rule that decided (or "default"). */
  rule: string;
  /** innovaphone activity; "" clears the hub's presence (= available). */
  activity: string;
  /** Note text, already rendered from the rule's template for this input. */
  note: string;
  /**
   * "ensure": while the activity is set, calls are diverted along the rule set's `cfb.fallback` chain
   * (engine/rules/cfb.ts plans it per user); "leave": the decision does not divert.
   */
  cfb: CfbAction;
}

/** PBX → Teams: the presence the hub sets in its own Graph session, or null to clear that session. */
export interface TeamsPresenceDecision {
  rule: string;
  presence: TeamsPresencePair | null;
}

/** One loaded, validated, self-tested rule set (a connector type). Immutable once published. */
export interface ActiveRuleSet {
  id: string;
  title: string;
  description: string;
  adapter: string;
  /** Increments on every successful swap of this type. */
  revision: number;
  /** sha256 of the source text. */
  hash: string;
  loadedAt: string;
  /** The rule set's `cfb` block (defaults filled in); engine/rules/cfb.ts plans it per user. */
  cfb: CfbPolicy;
  /**
   * How many cells of the Teams → PBX table divert (activity set and `cfb: ensure`), counted at load from the
   * table itself: 0 means no user of this type ever needs a busy destination.
   */
  divertingCells: number;
  decideTeamsToPbx(teams: TeamsPresence): PbxPresenceDecision;
  decidePbxToTeams(pbx: PbxFacts): TeamsPresenceDecision;
}

/** Read side of the hot-reloading registry of rule sets, as the sync core sees it. */
export interface RuleSetSource {
  get(id: string): ActiveRuleSet | undefined;
  /** Called after a type's active rule set changed (new revision), so consumers can reconcile. */
  onSwap(listener: (id: string) => void): () => void;
}
