// Runs a rule set's embedded tests against its decision tables (the same lookups the hub uses live),
// so a file whose tests fail never becomes active. A fragment's tests run in every set that extends it.
import type { PbxCallState } from "../presence.js";
import type { RuleDiagnostic } from "./diagnostics.js";
import type { RuleSetDoc } from "./document.js";
import { withUnknownReportsMuted } from "./table.js";
import type { ActiveRuleSet } from "./types.js";
import { type DiagnosticSource, diagAt } from "./yaml-source.js";

export function runEmbeddedTests(
  src: DiagnosticSource,
  doc: RuleSetDoc,
  rs: ActiveRuleSet,
): RuleDiagnostic[] {
  return withUnknownReportsMuted(() => run(src, doc, rs));
}

function run(src: DiagnosticSource, doc: RuleSetDoc, rs: ActiveRuleSet): RuleDiagnostic[] {
  const out: RuleDiagnostic[] = [];
  doc.tests.forEach((t, i) => {
    const fail = (field: string, expected: string, actual: string, rule: string) =>
      out.push(
        diagAt(
          src,
          ["tests", i, "expect", field],
          `test "${t.name}" failed: expected ${field} ${JSON.stringify(expected)}, got ${JSON.stringify(actual)} (decided by rule "${rule}")`,
          "RULES_TEST_FAILED",
        ),
      );
    const e = t.expect;
    if (t.teams) {
      const d = rs.decideTeamsToPbx({
        availability: t.teams.availability,
        activity: t.teams.activity,
        outOfOffice: t.teams.outOfOffice ?? false,
      });
      if (e.rule !== undefined && e.rule.toLowerCase() !== d.rule.toLowerCase())
        fail("rule", e.rule, d.rule, d.rule);
      if (e.activity !== undefined && e.activity !== d.activity)
        fail("activity", e.activity, d.activity, d.rule);
      if (e.note !== undefined && e.note !== d.note) fail("note", e.note, d.note, d.rule);
      if (e.cfb !== undefined && e.cfb !== d.cfb) fail("cfb", e.cfb, d.cfb, d.rule);
    } else if (t.pbx) {
      const d = rs.decidePbxToTeams({
        callState: t.pbx.callState as PbxCallState,
        activity: t.pbx.activity ?? "",
      });
      const got = d.presence ? `${d.presence.availability}/${d.presence.activity}` : "clear";
      if (e.rule !== undefined && e.rule.toLowerCase() !== d.rule.toLowerCase())
        fail("rule", e.rule, d.rule, d.rule);
      if (e.presence !== undefined && e.presence !== got) fail("presence", e.presence, got, d.rule);
    }
  });
  return out;
}
