// "Why is Alice DND?": evaluates one input on a fresh json-rules-engine Engine (never shared between
// concurrent runs) and turns the RuleResult condition trees into plain reasons — the winning rule, and
// for every rule tried before it, why it did not match.
import type { RuleResult } from "json-rules-engine";
import {
  canonicalActivity,
  canonicalAvailability,
  PBX_ACTIVITIES,
  PBX_CALL_STATES,
  type PbxCallState,
} from "../presence.js";
import { type CompiledRule, evaluate, pbxFacts, teamsFacts } from "./compile.js";
import type { PbxRuleDoc, TeamsRuleDoc } from "./document.js";
import { type CfbExplanation, type CfbUserInput, explainCfb } from "./cfb-explain.js";
import { type CompiledRuleSet, diverts, pbxDecision, teamsDecision } from "./table.js";
import type { PbxPresenceDecision, TeamsPresenceDecision } from "./types.js";

export interface ExplainInput {
  teams?: { availability: string; activity: string; outOfOffice?: boolean };
  pbx?: { callState: string; activity?: string };
  /** One user's CFB facts; without them the CFB plan is explained for a user with and without their own. */
  cfb?: CfbUserInput;
}

export interface ConditionExplanation {
  fact: string;
  /** The value the input had for this fact. */
  actual: unknown;
  /** What the rule expects (a list means "any of"). */
  expected: unknown;
  /** undefined = not evaluated (an earlier condition of the rule already failed). */
  result: boolean | undefined;
}

export interface RuleExplanation {
  rule: string;
  priority: number;
  matched: boolean;
  /** Plain sentences, e.g. `activity is "InAMeeting", not one of InACall, InAConferenceCall`. */
  reasons: string[];
  conditions: ConditionExplanation[];
}

export interface DirectionExplanation<D> {
  input: Record<string, unknown>;
  /** Input values outside the documented domains (they fall to the default / to "other"). */
  unknownValues: { field: string; value: string }[];
  /** Name of the winning rule, or "default". */
  winner: string;
  decision: D;
  /** What the live decision table returns for the same input (must equal `decision`). */
  tableDecision: D;
  consistent: boolean;
  /** Rules tried before the winner, each with the reason it failed. */
  higherPriorityFailures: RuleExplanation[];
  /** Every rule in evaluation order. */
  rules: RuleExplanation[];
  /** Teams → PBX: where calls go under this decision (the rule set's CFB plan). */
  cfb?: CfbExplanation;
}

export interface Explanation {
  id: string;
  revision: number;
  hash: string;
  teamsToPbx?: DirectionExplanation<PbxPresenceDecision>;
  pbxToTeams?: DirectionExplanation<TeamsPresenceDecision>;
}

const DOC_KEY: Record<string, string> = {
  availability: "availability",
  activity: "activity",
  outOfOffice: "outOfOffice",
  callState: "callState",
  pbxActivity: "activity",
};

function explainRule(
  rule: CompiledRule,
  result: RuleResult | undefined,
  input: Record<string, unknown>,
): RuleExplanation {
  const when = rule.doc.when as Record<string, unknown>;
  const conds = ((result?.conditions as { all?: unknown[] } | undefined)?.all ?? []) as {
    fact: string;
    result?: boolean;
  }[];
  const conditions: ConditionExplanation[] = conds.map((c) => ({
    fact: c.fact,
    actual: input[c.fact],
    expected: when[DOC_KEY[c.fact] ?? c.fact],
    result: c.result,
  }));
  const matched = result?.result === true;
  const reasons: string[] = [];
  for (const c of conditions) {
    if (c.result !== false) continue;
    const label = c.fact === "pbxActivity" ? "PBX activity" : c.fact;
    const exp = Array.isArray(c.expected) ? `one of ${c.expected.join(", ")}` : JSON.stringify(c.expected);
    reasons.push(`${label} is ${JSON.stringify(c.actual)}, not ${exp}`);
  }
  if (matched) reasons.push("all conditions match");
  return { rule: rule.name, priority: rule.priority, matched, reasons, conditions };
}

function markUnknown(rules: RuleExplanation[], unknown: { field: string; value: string }[]): void {
  const why = unknown
    .map((u) => `unknown ${u.field} ${JSON.stringify(u.value)} always falls to the default`)
    .join("; ");
  for (const r of rules) if (r.matched) r.reasons = [why];
}

function sameDecision(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export async function explainRuleSet(rs: CompiledRuleSet, input: ExplainInput): Promise<Explanation> {
  const out: Explanation = { id: rs.id, revision: rs.revision, hash: rs.hash };
  if (input.teams) {
    const t = {
      availability: input.teams.availability,
      activity: input.teams.activity,
      outOfOffice: input.teams.outOfOffice ?? false,
    };
    const unknownValues: { field: string; value: string }[] = [];
    if (!canonicalAvailability(t.availability))
      unknownValues.push({ field: "availability", value: t.availability });
    if (!canonicalActivity(t.activity)) unknownValues.push({ field: "activity", value: t.activity });
    const ev = await evaluate(
      rs.teamsRules as CompiledRule<TeamsRuleDoc>[],
      teamsFacts(t.availability, t.activity, t.outOfOffice),
    );
    const shown = { availability: t.availability, activity: t.activity, outOfOffice: t.outOfOffice };
    const rules = ev.results.map((r) => explainRule(r.rule, r.result, shown));
    // Unknown values always fall to the default (the table has no cell for them), even for a rule
    // whose own conditions would match.
    const winner = unknownValues.length ? undefined : ev.winner;
    if (unknownValues.length) markUnknown(rules, unknownValues);
    const tableDecision = rs.decideTeamsToPbx(t);
    // Render from the engine's winner (not from the table), so `consistent` really cross-checks both.
    const av = canonicalAvailability(t.availability) ?? t.availability;
    const ac = canonicalActivity(t.activity) ?? t.activity;
    const decision: PbxPresenceDecision = winner
      ? pbxDecision(winner.name, winner.doc.then, rs.words, av, ac)
      : pbxDecision("default", rs.doc.teamsToPbx.default, rs.words, av, ac);
    const winnerName = winner?.name ?? "default";
    const cut = winner ? rules.findIndex((r) => r.rule === winner.name) : rules.length;
    out.teamsToPbx = {
      input: shown,
      unknownValues,
      winner: winnerName,
      decision,
      tableDecision,
      consistent: sameDecision(decision, tableDecision) && tableDecision.rule === winnerName,
      higherPriorityFailures: rules.slice(0, cut),
      rules,
      cfb: explainCfb(rs.cfb, diverts(decision), input.cfb),
    };
  }
  if (input.pbx) {
    const callState = input.pbx.callState;
    const rawActivity = input.pbx.activity ?? "";
    const unknownValues: { field: string; value: string }[] = [];
    if (!(PBX_CALL_STATES as readonly string[]).includes(callState.toLowerCase()))
      unknownValues.push({ field: "callState", value: callState });
    let activity = rawActivity.toLowerCase();
    if (!(PBX_ACTIVITIES as readonly string[]).includes(activity)) {
      unknownValues.push({ field: "activity", value: rawActivity });
      activity = "other";
    }
    const ev = await evaluate(rs.pbxRules as CompiledRule<PbxRuleDoc>[], pbxFacts(callState, activity));
    const shown = { callState, pbxActivity: activity };
    const rules = ev.results.map((r) => explainRule(r.rule, r.result, shown));
    const unknownCallState = unknownValues.some((u) => u.field === "callState");
    const winner = unknownCallState ? undefined : ev.winner;
    if (unknownCallState)
      markUnknown(
        rules,
        unknownValues.filter((u) => u.field === "callState"),
      );
    const tableDecision = rs.decidePbxToTeams({
      callState: callState as PbxCallState,
      activity: rawActivity,
    });
    const decision: TeamsPresenceDecision = winner
      ? teamsDecision(winner.name, winner.doc.then)
      : teamsDecision("default", rs.doc.pbxToTeams.default);
    const winnerName = winner?.name ?? "default";
    const cut = winner ? rules.findIndex((r) => r.rule === winner.name) : rules.length;
    out.pbxToTeams = {
      input: { callState, activity: rawActivity },
      unknownValues,
      winner: winnerName,
      decision,
      tableDecision,
      consistent: sameDecision(decision, tableDecision) && tableDecision.rule === winnerName,
      higherPriorityFailures: rules.slice(0, cut),
      rules,
    };
  }
  return out;
}
