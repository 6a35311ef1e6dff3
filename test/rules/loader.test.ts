// Loader pipeline: one fixture per failure kind, each asserted to fail with the right message at the
// right line:column; plus the behaviour of a valid set (case-insensitive, unknown values → default).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isHubError } from "../../common/errors.js";
import { formatDiagnostic, RuleSetLoadError } from "../../engine/rules/diagnostics.js";
import { loadRuleSetFile, loadRuleSetOrThrow, loadRuleSetSource } from "../../engine/rules/loader.js";

const fixtures = join(import.meta.dirname, "fixtures");
const fixture = (name: string) => join(fixtures, `${name}.yaml`);

async function failure(name: string) {
  const r = await loadRuleSetFile(fixture(name));
  if (r.ok) throw new Error(`${name} unexpectedly loaded`);
  return r.errors;
}

describe("failure fixtures", () => {
  const cases: { name: string; code: string; line: number; column: number; path: string; message: RegExp }[] =
    [
      {
        name: "yaml-syntax",
        code: "RULES_YAML_SYNTAX",
        line: 13,
        column: 39,
        path: "$",
        message: /^YAML syntax error: Missing closing "quote/,
      },
      {
        name: "unknown-fact",
        code: "RULES_SCHEMA",
        line: 11,
        column: 9,
        path: "$.teamsToPbx.rules[0].when.mood",
        message:
          /^unknown fact "mood" in teamsToPbx\.rules\[0\]\.when \(known facts: availability, activity, outOfOffice\)$/,
      },
      {
        name: "bad-output",
        code: "RULES_SCHEMA",
        line: 12,
        column: 19,
        path: "$.teamsToPbx.rules[0].then.activity",
        message:
          /^teamsToPbx\.rules\[0\]\.then\.activity has value "offline", allowed: "", "away", "busy", "dnd"/,
      },
      {
        name: "duplicate-name",
        code: "RULES_SEMANTIC",
        line: 19,
        column: 13,
        path: "$.pbxToTeams.rules[0].name",
        message: /^duplicate rule name "call" \(first used at line 8\)$/,
      },
      {
        name: "uncovered",
        code: "RULES_SEMANTIC",
        line: 6,
        column: 1,
        path: "$.teamsToPbx",
        message:
          /^uncovered combination: 252 Teams input\(s\) reach no rule and there is no default, e\.g\. availability Available, activity Available, outOfOffice false/,
      },
      {
        name: "failing-test",
        code: "RULES_TEST_FAILED",
        line: 31,
        column: 25,
        path: "$.tests[0].expect.activity",
        message: /^test "call" failed: expected activity "busy", got "dnd" \(decided by rule "call"\)$/,
      },
      {
        name: "unknown-value",
        code: "RULES_SEMANTIC",
        line: 10,
        column: 29,
        path: "$.teamsToPbx.rules[0].when.activity[1]",
        message: /^unknown Teams activity "InAMeting" \(did you mean "InAMeeting"\?\)/,
      },
    ];
  for (const c of cases) {
    it(`${c.name}: ${c.code} at ${c.line}:${c.column}`, async () => {
      const errors = await failure(c.name);
      expect(errors).toHaveLength(1);
      const [e] = errors;
      expect(e).toMatchObject({
        code: c.code,
        line: c.line,
        column: c.column,
        path: c.path,
        severity: "error",
      });
      expect(e!.file).toBe(fixture(c.name));
      expect(e!.message).toMatch(c.message);
      expect(formatDiagnostic(e!)).toBe(`${fixture(c.name)}:${c.line}:${c.column} ${e!.message}`);
    });
  }

  it("throws a HubError carrying every diagnostic via loadRuleSetOrThrow", async () => {
    const src = readFileSync(fixture("bad-output"), "utf8");
    const err = await loadRuleSetOrThrow("bad-output.yaml", src).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RuleSetLoadError);
    expect(isHubError(err, "RULES_SCHEMA")).toBe(true);
    expect((err as RuleSetLoadError).message).toMatch(/^bad-output\.yaml:12:19 /);
  });

  it("reports several schema errors at once (ajv allErrors)", async () => {
    const src = readFileSync(fixture("minimal"), "utf8")
      .replace("activity: dnd", "activity: nope")
      .replace("presence: clear", "presence: Busy/Busy");
    const r = await loadRuleSetSource("minimal.yaml", src);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors.map((e) => `${e.line}:${e.column}`)).toEqual(["12:19", "25:15"]);
  });

  it("requires id to equal the file name", async () => {
    const src = readFileSync(fixture("minimal"), "utf8");
    const r = await loadRuleSetSource("other-name.yaml", src);
    expect(r.ok).toBe(false);
    if (!r.ok)
      expect(r.errors[0]).toMatchObject({
        line: 2,
        column: 5,
        message: 'id "minimal" must equal the file name "other-name"',
      });
  });

  it("warns about shadowed rules without failing", async () => {
    const src = readFileSync(fixture("minimal"), "utf8").replace(
      '  default:\n    activity: ""',
      '    - name: call-again\n      when: { activity: [inacall] }\n      then: { activity: busy }\n  default:\n    activity: ""',
    );
    const r = await loadRuleSetSource("minimal.yaml", src);
    expect(r.ok).toBe(true);
    expect(r.warnings).toHaveLength(1);
    expect(r.warnings[0]).toMatchObject({ severity: "warning", line: 15, column: 13 });
    expect(r.warnings[0]!.message).toBe(
      'rule "call-again" is shadowed: every input it matches is decided earlier by "call"',
    );
  });

  it("reports duplicate YAML keys at the second key", async () => {
    const src = readFileSync(fixture("minimal"), "utf8").replace(
      "adapter: innovaphone\n",
      "adapter: innovaphone\ntitle: again\n",
    );
    const r = await loadRuleSetSource("minimal.yaml", src);
    expect(r.ok).toBe(false);
    if (!r.ok)
      expect(r.errors[0]).toMatchObject({
        code: "RULES_YAML_SYNTAX",
        line: 6,
        column: 1,
        message: "YAML syntax error: Map keys must be unique",
      });
  });

  it("never throws on garbage", async () => {
    for (const s of ["", "null", "[1,2]", "id: x\n  - :", "{{{", "a: *b", "\t\t- x"]) {
      const r = await loadRuleSetSource("x.yaml", s);
      expect(r.ok).toBe(false);
    }
  });
});

describe("a valid rule set", () => {
  it("decides by table lookup, case-insensitively, unknown values → default", async () => {
    const rs = await loadRuleSetOrThrow(fixture("minimal"), readFileSync(fixture("minimal"), "utf8"));
    expect(rs.decideTeamsToPbx({ availability: "Busy", activity: "InACall", outOfOffice: false })).toEqual({
      rule: "call",
      activity: "dnd",
      note: "In a Teams call",
      cfb: "ensure",
    });
    expect(rs.decideTeamsToPbx({ availability: "BUSY", activity: "inacall", outOfOffice: true }).rule).toBe(
      "call",
    );
    expect(
      rs.decideTeamsToPbx({ availability: "Busy", activity: "Focusing", outOfOffice: false }),
    ).toMatchObject({
      rule: "default",
      activity: "",
    });
    expect(rs.decideTeamsToPbx({ availability: "Weird", activity: "InACall", outOfOffice: false }).rule).toBe(
      "default",
    );
    expect(rs.decidePbxToTeams({ callState: "connected", activity: "" })).toEqual({
      rule: "pbx-call",
      presence: { availability: "DoNotDisturb", activity: "Presenting" },
    });
    expect(rs.decidePbxToTeams({ callState: "idle", activity: "gardening" })).toEqual({
      rule: "default",
      presence: null,
    });
    expect(rs.tables.teamsToPbx).toHaveLength(9 * 15 * 2);
    expect(rs.tables.pbxToTeams).toHaveLength(4 * 9);
    expect(rs.hash).toMatch(/^[0-9a-f]{64}$/);
    // Same object for the same cell: the hot path allocates nothing.
    const a = rs.decideTeamsToPbx({ availability: "Busy", activity: "InACall", outOfOffice: false });
    expect(rs.decideTeamsToPbx({ availability: "busy", activity: "InACall", outOfOffice: false })).toBe(a);
    expect(Object.isFrozen(a)).toBe(true);
  });
});
