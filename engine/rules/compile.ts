// Compiles validated rules into json-rules-engine rules and evaluates them with first-match semantics
// (highest priority, then file order). A FRESH Engine is built for every evaluation: json-rules-engine
// keeps one `status` per Engine, so concurrent runs on a shared Engine silently skip rules (json-rules-engine 7.3.1, issues #303/#360).
import { Engine, type RuleProperties, type RuleResult } from "json-rules-engine";
import { asList, type PbxRuleDoc, type TeamsRuleDoc } from "./document.js";

export type Direction = "teamsToPbx" | "pbxToTeams";

/** One rule ready for evaluation; `rank` orders first-match (0 = tried first). */
export interface CompiledRule<R extends TeamsRuleDoc | PbxRuleDoc = TeamsRuleDoc | PbxRuleDoc> {
  direction: Direction;
  name: string;
  priority: number;
  /** Position in the file's rule list. */
  index: number;
  rank: number;
  doc: R;
  engineRule: RuleProperties;
}

/** Engine fact names per direction. Values are lower-cased so comparisons are case-insensitive. */
export interface TeamsEngineFacts {
  availability: string;
  activity: string;
  outOfOffice: boolean;
}
export interface PbxEngineFacts {
  callState: string;
  pbxActivity: string;
}

function inList(fact: string, values: string[]) {
  return { fact, operator: "in", value: values.map((v) => v.toLowerCase()) };
}

export function compileTeamsRules(rules: TeamsRuleDoc[]): CompiledRule<TeamsRuleDoc>[] {
  return withRanks(
    rules.map((r, index) => {
      const all: RuleProperties["conditions"][] = [];
      const av = asList(r.when.availability);
      const ac = asList(r.when.activity);
      if (av) all.push(inList("availability", av) as never);
      if (ac) all.push(inList("activity", ac) as never);
      if (r.when.outOfOffice !== undefined)
        all.push({ fact: "outOfOffice", operator: "equal", value: r.when.outOfOffice } as never);
      return {
        direction: "teamsToPbx" as const,
        name: r.name,
        priority: r.priority ?? 0,
        index,
        rank: 0,
        doc: r,
        engineRule: engineRule(r.name, index, all),
      };
    }),
  );
}

export function compilePbxRules(rules: PbxRuleDoc[]): CompiledRule<PbxRuleDoc>[] {
  return withRanks(
    rules.map((r, index) => {
      const all: RuleProperties["conditions"][] = [];
      const cs = asList(r.when.callState);
      const ac = asList(r.when.activity);
      if (cs) all.push(inList("callState", cs) as never);
      if (ac) all.push(inList("pbxActivity", ac) as never);
      return {
        direction: "pbxToTeams" as const,
        name: r.name,
        priority: r.priority ?? 0,
        index,
        rank: 0,
        doc: r,
        engineRule: engineRule(r.name, index, all),
      };
    }),
  );
}

function engineRule(name: string, index: number, all: RuleProperties["conditions"][]): RuleProperties {
  // All engine priorities are equal on purpose: we pick the winner from `results` ourselves, because
  // engine.stop() (the only built-in "first match") is engine-wide.
  return {
    name,
    priority: 1,
    conditions: { all: all as never },
    event: { type: "rule-matched", params: { index } },
  };
}

function withRanks<R extends TeamsRuleDoc | PbxRuleDoc>(rules: CompiledRule<R>[]): CompiledRule<R>[] {
  const order = [...rules].sort((a, b) => b.priority - a.priority || a.index - b.index);
  order.forEach((r, rank) => {
    r.rank = rank;
  });
  return order;
}

export interface Evaluation<R extends TeamsRuleDoc | PbxRuleDoc> {
  /** The first-matching rule, or undefined when the default applies. */
  winner: CompiledRule<R> | undefined;
  /** Every rule's result, in rank order. */
  results: { rule: CompiledRule<R>; result: RuleResult }[];
}

/** Evaluate one input on a fresh Engine (never shared between runs). `rules` must be in rank order. */
export async function evaluate<R extends TeamsRuleDoc | PbxRuleDoc>(
  rules: CompiledRule<R>[],
  facts: TeamsEngineFacts | PbxEngineFacts,
): Promise<Evaluation<R>> {
  const engine = new Engine(
    rules.map((r) => r.engineRule),
    { allowUndefinedFacts: true },
  );
  const run = await engine.run({ ...facts });
  const byName = new Map<string, RuleResult>();
  for (const r of [...run.results, ...run.failureResults]) byName.set(r.name, r);
  const results = rules.map((rule) => ({ rule, result: byName.get(rule.name)! }));
  const winner = results.find((r) => r.result?.result === true)?.rule;
  return { winner, results };
}

export function teamsFacts(availability: string, activity: string, outOfOffice: boolean): TeamsEngineFacts {
  return { availability: availability.toLowerCase(), activity: activity.toLowerCase(), outOfOffice };
}

export function pbxFacts(callState: string, pbxActivity: string): PbxEngineFacts {
  return { callState: callState.toLowerCase(), pbxActivity: pbxActivity.toLowerCase() };
}
