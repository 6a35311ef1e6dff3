// Rule-set composition through the loader: fragments resolved from <dir>/fragments/, merge order and
// overrides, origins, and diagnostics that point into the right file (fragment content → the fragment
// with "pulled in by"; unknown names and cycles → the `extend` entry that caused them).
import { afterEach, describe, expect, it } from "vitest";
import { formatDiagnostic } from "../../engine/rules/diagnostics.js";
import { loadRuleSetFile, sha256 } from "../../engine/rules/loader.js";
import { type RulesDir, tempRules } from "./rules-dir.js";

// Line numbers below are 1-based positions in these texts.
const SET = `id: s
title: S
description: A composed rule set.
adapter: innovaphone
extend: [calls, pbx]
teamsToPbx:
  rules:
    - name: meeting
      when: { activity: InAMeeting }
      then: { activity: meeting }
  default: { activity: "" }
pbxToTeams:
  default: { presence: clear }
cfb:
  fallback: [connectorDefault]
tests:
  - name: meeting
    teams: { availability: Busy, activity: InAMeeting }
    expect: { rule: meeting, activity: meeting }
`;

const CALLS = `description: Teams calls divert.
teamsToPbx:
  rules:
    - name: call
      priority: 10
      when: { activity: [InACall, InAConferenceCall] }
      then: { activity: dnd, note: "In a Teams {{activity}}", cfb: ensure }
words: { InACall: phone call }
cfb: { fallback: [userCfb, connectorDefault], restore: false }
tests:
  - name: call
    teams: { availability: Busy, activity: InACall }
    expect: { rule: call, activity: dnd, note: "In a Teams phone call" }
`;

const PBX = `pbxToTeams:
  rules:
    - name: pbx-call
      when: { callState: connected }
      then: { presence: Busy/InACall }
`;

let rd: RulesDir;
afterEach(async () => {
  await rd?.cleanup();
});

async function load(files: Record<string, string>) {
  rd = await tempRules({ "s.yaml": SET, "fragments/calls.yaml": CALLS, "fragments/pbx.yaml": PBX, ...files });
  return loadRuleSetFile(rd.path("s.yaml"));
}

async function errorsOf(files: Record<string, string>) {
  const r = await load(files);
  if (r.ok) throw new Error("unexpectedly loaded");
  return r.errors;
}

describe("fragment resolution and merge", () => {
  it("puts fragment rules and tests first (extend order), then the set's own", async () => {
    const r = await load({});
    if (!r.ok) throw new Error(r.errors.map((e) => formatDiagnostic(e)).join("\n"));
    const rs = r.ruleSet;
    expect(rs.doc.teamsToPbx.rules.map((x) => x.name)).toEqual(["call", "meeting"]);
    expect(rs.doc.pbxToTeams.rules.map((x) => x.name)).toEqual(["pbx-call"]);
    expect(rs.doc.tests.map((t) => t.name)).toEqual(["call", "meeting"]);
    expect(r.fragments).toEqual(["calls", "pbx"]);
    // Fragment words apply in the set's notes.
    expect(
      rs.decideTeamsToPbx({ availability: "Busy", activity: "InACall", outOfOffice: false }),
    ).toMatchObject({
      rule: "call",
      activity: "dnd",
      note: "In a Teams phone call",
      cfb: "ensure",
    });
    expect(rs.decidePbxToTeams({ callState: "connected", activity: "" }).presence).toEqual({
      availability: "Busy",
      activity: "InACall",
    });
  });

  it("the set's own cfb block replaces a fragment's; without one the fragment's applies", async () => {
    const own = await load({});
    expect(own.ok && own.ruleSet.doc.cfb).toEqual({ fallback: ["connectorDefault"] });
    expect(own.ok && own.ruleSet.composition?.origins.cfb).toMatchObject({ file: "s.yaml", line: 14 });
    await rd.cleanup();
    const inherited = await load({ "s.yaml": SET.replace("cfb:\n  fallback: [connectorDefault]\n", "") });
    if (!inherited.ok) throw new Error(inherited.errors[0]!.message);
    expect(inherited.ruleSet.doc.cfb).toEqual({ fallback: ["userCfb", "connectorDefault"], restore: false });
    expect(inherited.ruleSet.cfb).toEqual({ fallback: ["userCfb", "connectorDefault"], restore: false });
    expect(inherited.ruleSet.composition?.origins.cfb).toEqual({
      file: "fragments/calls.yaml",
      fragment: "calls",
      line: 9,
      column: 1,
    });
  });

  it("the set's own words override a fragment's, key by key", async () => {
    const r = await load({
      "s.yaml": SET.replace("cfb:\n", "words: { inacall: call on Teams }\ncfb:\n"),
      "fragments/calls.yaml": CALLS.replace('"In a Teams phone call"', '"In a Teams call on Teams"'),
    });
    if (!r.ok) throw new Error(r.errors[0]!.message);
    expect(
      r.ruleSet.decideTeamsToPbx({ availability: "Busy", activity: "InACall", outOfOffice: false }).note,
    ).toBe("In a Teams call on Teams");
  });

  it("records where every rule, test and the cfb block came from", async () => {
    const r = await load({});
    if (!r.ok) throw new Error(r.errors[0]!.message);
    const c = r.ruleSet.composition!;
    expect(c.extend).toEqual(["calls", "pbx"]);
    expect(c.fragments).toEqual([
      { name: "calls", file: "fragments/calls.yaml", description: "Teams calls divert." },
      { name: "pbx", file: "fragments/pbx.yaml" },
    ]);
    expect(c.origins.teamsToPbx).toEqual([
      { file: "fragments/calls.yaml", fragment: "calls", line: 4, column: 7 },
      { file: "s.yaml", line: 8, column: 7 },
    ]);
    expect(c.origins.pbxToTeams).toEqual([
      { file: "fragments/pbx.yaml", fragment: "pbx", line: 3, column: 7 },
    ]);
    expect(c.origins.tests.map((o) => `${o.file}:${o.line}`)).toEqual([
      "fragments/calls.yaml:11",
      "s.yaml:17",
    ]);
    expect(c.origins.words.InACall).toMatchObject({ file: "fragments/calls.yaml", line: 8 });
  });

  it("merges a fragment reached twice (diamond) once, at its first use", async () => {
    const r = await load({
      "s.yaml": SET.replace("extend: [calls, pbx]", "extend: [calls, a, b]"),
      "fragments/a.yaml": "extend: [pbx]\n",
      "fragments/b.yaml": "extend: [pbx]\n",
    });
    if (!r.ok) throw new Error(r.errors[0]!.message);
    expect(r.ruleSet.composition!.fragments.map((f) => f.name)).toEqual(["calls", "pbx", "a", "b"]);
    expect(r.ruleSet.doc.pbxToTeams.rules).toHaveLength(1);
  });

  it("hashes the set alone without extend, and set + fragments with it", async () => {
    const plain = SET.replace("extend: [calls, pbx]\n", "");
    const alone = await load({ "s.yaml": plain });
    expect(alone.ok && alone.ruleSet.hash).toBe(sha256(plain));
    await rd.cleanup();
    const a = await load({});
    await rd.cleanup();
    const b = await load({ "fragments/pbx.yaml": `${PBX}# edited\n` });
    expect(a.ok && b.ok).toBe(true);
    if (a.ok && b.ok) expect(a.ruleSet.hash).not.toBe(b.ruleSet.hash);
  });
});

describe("diagnostics point into the right file", () => {
  it("a schema error inside a fragment: fragments/x.yaml:line:col, pulled in by the set's extend entry", async () => {
    const [e, ...more] = await errorsOf({
      "fragments/calls.yaml": CALLS.replace("activity: dnd,", "activity: dnn,"),
    });
    expect(more).toEqual([]);
    expect(e).toMatchObject({
      code: "RULES_SCHEMA",
      file: rd.path("fragments/calls.yaml"),
      line: 7,
      column: 25,
      path: "$.teamsToPbx.rules[0].then.activity",
      via: [{ file: rd.path("s.yaml"), line: 5, column: 10 }],
    });
    expect(formatDiagnostic(e!, (f) => f.slice(rd.dir.length + 1))).toBe(
      `fragments/calls.yaml:7:25 ${e!.message} (pulled in by s.yaml:5:10)`,
    );
  });

  it("a semantic error inside a fragment is placed in the fragment", async () => {
    const [e] = await errorsOf({
      "fragments/calls.yaml": CALLS.replace("[InACall, InAConferenceCall]", "[InACal, InAConferenceCall]"),
    });
    expect(e).toMatchObject({
      code: "RULES_SEMANTIC",
      file: rd.path("fragments/calls.yaml"),
      line: 6,
      column: 26,
    });
    expect(e!.message).toMatch(/unknown Teams activity "InACal" \(did you mean "InACall"\?\)/);
    expect(e!.via).toEqual([{ file: rd.path("s.yaml"), line: 5, column: 10 }]);
  });

  it("a fragment's failing test is reported in the fragment, for the set that runs it", async () => {
    const bad = CALLS.replace('note: "In a Teams phone call"', 'note: "wrong"');
    const [e] = await errorsOf({ "fragments/calls.yaml": bad });
    const line = bad.split("\n")[12]!;
    expect(e).toMatchObject({
      code: "RULES_TEST_FAILED",
      file: rd.path("fragments/calls.yaml"),
      line: 13,
      column: line.indexOf('"wrong"') + 1,
    });
  });

  it("a YAML syntax error inside a fragment", async () => {
    const [e] = await errorsOf({
      "fragments/pbx.yaml": PBX.replace("{ callState: connected }", "{ callState: connected"),
    });
    expect(e).toMatchObject({ code: "RULES_YAML_SYNTAX", file: rd.path("fragments/pbx.yaml") });
    expect(e!.message).toMatch(/\(flow map opened at 4:13\)$/);
    expect(e!.via).toEqual([{ file: rd.path("s.yaml"), line: 5, column: 17 }]);
  });

  it("an unknown fragment name points at the extend entry in the set", async () => {
    const errors = await errorsOf({ "s.yaml": SET.replace("extend: [calls, pbx]", "extend: [calls, pbxx]") });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({
      code: "RULES_FRAGMENT",
      file: rd.path("s.yaml"),
      line: 5,
      column: 17,
      path: "$.extend[1]",
      message:
        'unknown fragment "pbxx": there is no fragments/pbxx.yaml (did you mean "pbx"?); known: calls, pbx',
    });
    expect(errors[0]!.via).toBeUndefined();
  });

  it("names both places of a rule name used in a fragment and in the set", async () => {
    const errors = await errorsOf({
      "s.yaml": SET.replace(
        "    - name: meeting\n",
        "    - name: call\n      when: { activity: Busy }\n      then: { activity: busy }\n    - name: meeting\n",
      ),
    });
    expect(errors[0]).toMatchObject({
      code: "RULES_SEMANTIC",
      file: rd.path("s.yaml"),
      line: 8,
      column: 13,
      message: 'duplicate rule name "call" (first used at fragments/calls.yaml:4)',
    });
  });

  it("a fragment of a fragment: the error names the whole extend chain", async () => {
    const errors = await errorsOf({
      "s.yaml": SET.replace("extend: [calls, pbx]", "extend: [calls, a]"),
      "fragments/a.yaml": "extend: [pbx]\n",
      "fragments/pbx.yaml": PBX.replace("Busy/InACall", "Busy/Nope"),
    });
    expect(errors[0]).toMatchObject({ file: rd.path("fragments/pbx.yaml"), line: 5, column: 25 });
    const show = (f: string) => f.slice(rd.dir.length + 1);
    expect(formatDiagnostic(errors[0]!, show)).toMatch(
      / \(pulled in by s\.yaml:5:17 → fragments\/a\.yaml:1:10\)$/,
    );
  });

  it("a set without a cfb block anywhere is rejected", async () => {
    const errors = await errorsOf({
      "s.yaml": SET.replace("cfb:\n  fallback: [connectorDefault]\n", ""),
      "fragments/calls.yaml": CALLS.replace(
        "cfb: { fallback: [userCfb, connectorDefault], restore: false }\n",
        "",
      ),
    });
    expect(errors[0]).toMatchObject({ code: "RULES_SEMANTIC", file: rd.path("s.yaml"), line: 1, column: 1 });
    expect(errors[0]!.message).toMatch(/missing required property "cfb" \(write one, or extend a fragment/);
  });
});

describe("cycles", () => {
  it("a → b → a is reported at the entry that closes the cycle", async () => {
    const errors = await errorsOf({
      "s.yaml": SET.replace("extend: [calls, pbx]", "extend: [calls, pbx, a]"),
      "fragments/a.yaml": "extend: [b]\n",
      "fragments/b.yaml": "extend: [a]\n",
    });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({
      code: "RULES_FRAGMENT",
      file: rd.path("fragments/b.yaml"),
      line: 1,
      column: 10,
      via: [
        { file: rd.path("s.yaml"), line: 5, column: 22 },
        { file: rd.path("fragments/a.yaml"), line: 1, column: 10 },
      ],
    });
    expect(errors[0]!.message).toMatch(/^fragment cycle: a → b → a /);
  });

  it("a fragment extending itself", async () => {
    const errors = await errorsOf({
      "s.yaml": SET.replace("extend: [calls, pbx]", "extend: [calls, pbx, a]"),
      "fragments/a.yaml": "# self\nextend: [a]\n",
    });
    expect(errors[0]).toMatchObject({
      code: "RULES_FRAGMENT",
      file: rd.path("fragments/a.yaml"),
      line: 2,
      column: 10,
    });
    expect(errors[0]!.message).toMatch(/^fragment cycle: a → a /);
  });
});
