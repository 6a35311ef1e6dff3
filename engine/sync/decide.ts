// The pure decide step of the sync core: the facts of one endpoint and the active rule set in, the desired
// state of each side out (PBX: presence slot + CFB plan; Teams: the pair of the hub's Graph session), plus
// the words that explain it. No state, no I/O: the core calls it on every change and compares.
import { type CfbFacts, describeCfbPlan, planCfb } from "../rules/cfb.js";
import { diverts } from "../rules/table.js";
import type { ActiveRuleSet, PbxPresenceDecision, TeamsPresenceDecision } from "../rules/types.js";
import type { PbxCallState, TeamsPresence, TeamsPresencePair } from "../presence.js";
import { neutralPbx, type PbxDesiredState } from "./facts.js";

/**
 * follow = the endpoint follows its rules; neutral = the hub wants this side cleared (endpoint disabled or
 * released, the other side gone or stale); hold = no opinion yet (facts or rules not known: keep what is set
 * rather than flicker).
 */
export type Gate = "follow" | "neutral" | "hold";

export interface PbxSideFacts {
  gate: Gate;
  ruleSet: ActiveRuleSet | undefined;
  /** The user's Teams presence (echoes of the hub's own session filtered out); null = not known yet. */
  teams: TeamsPresence | null;
  cfb: CfbFacts;
}

export interface PbxSideDecision {
  /** null = hold. */
  desired: PbxDesiredState | null;
  /** The rule set's decision, when one was consulted. */
  decision: PbxPresenceDecision | null;
}

/** Teams → PBX: what the hub's PBX slot and CFB entry should be for this endpoint. */
export function decidePbxSide(f: PbxSideFacts): PbxSideDecision {
  if (f.gate === "neutral") return { desired: neutralPbx(f.ruleSet?.cfb), decision: null };
  if (f.gate === "hold" || !f.ruleSet || !f.teams) return { desired: null, decision: null };
  const decision = f.ruleSet.decideTeamsToPbx(f.teams);
  const cfb = planCfb(f.ruleSet.cfb, diverts(decision), f.cfb);
  return {
    desired: { activity: decision.activity, note: decision.activity ? decision.note : "", cfb },
    decision,
  };
}

export interface PbxFactsOfUser {
  callState: PbxCallState;
  /** The activity the user set on the PBX ("" = none). */
  activity: string;
}

export interface TeamsSideFacts {
  gate: Gate;
  ruleSet: ActiveRuleSet | undefined;
  /** null = not known yet. */
  pbx: PbxFactsOfUser | null;
}

export interface TeamsSideDecision {
  /** null = hold; presence null = no hub session wanted. */
  desired: { presence: TeamsPresencePair | null } | null;
  decision: TeamsPresenceDecision | null;
}

const NO_SESSION = Object.freeze({ presence: null });

/** PBX → Teams: which pair the hub's own Graph session should carry for this endpoint. */
export function decideTeamsSide(f: TeamsSideFacts): TeamsSideDecision {
  if (f.gate === "neutral") return { desired: NO_SESSION, decision: null };
  if (f.gate === "hold" || !f.ruleSet || !f.pbx) return { desired: null, decision: null };
  const decision = f.ruleSet.decidePbxToTeams(f.pbx);
  return { desired: { presence: decision.presence }, decision };
}

// ---------------------------------------------------------------- the words (decision records, event log)

export function teamsToPbxReason(input: TeamsPresence, desired: PbxDesiredState, rule: string): string {
  const plan = desired.cfb.divert ? `, ${describeCfbPlan(desired.cfb)}` : "";
  return `Teams ${input.availability}/${input.activity}${input.outOfOffice ? " (out of office)" : ""} → PBX ${
    desired.activity || "available"
  }${plan} (rule ${rule})`;
}

export function pbxToTeamsReason(input: PbxFactsOfUser, decision: TeamsPresenceDecision): string {
  const p = decision.presence;
  return `PBX ${input.callState}${input.activity ? `, ${input.activity}` : ""} → Teams ${
    p ? `${p.availability}/${p.activity}` : "cleared"
  } (rule ${decision.rule})`;
}
