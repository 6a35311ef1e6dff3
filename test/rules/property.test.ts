// Property-based tests of the loader (fast-check): random YAML-ish mutations of the shipped rule sets
// never make the loader throw or crash (only diagnostics with sane positions / HubError), and randomly
// generated valid rule sets decide the same through the table, through a fresh-Engine explain, and
// through a plain reference implementation of "first match by priority, then file order".
import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { isHubError } from "../../common/errors.js";
import { defaultRulesDir } from "../../common/paths.js";
import {
  PBX_ACTIVITIES,
  PBX_CALL_STATES,
  TEAMS_ACTIVITIES,
  TEAMS_AVAILABILITIES,
} from "../../engine/presence.js";
import { explainRuleSet } from "../../engine/rules/explain.js";
import { loadRuleSetOrThrow, loadRuleSetSource } from "../../engine/rules/loader.js";

// The real path, so the set's `extend` finds rules/fragments/ (a mutated name yields RULES_FRAGMENT).
const file = join(defaultRulesDir, "innovaphone-mirror.yaml");
const source = readFileSync(file, "utf8");
const CODES = new Set([
  "RULES_YAML_SYNTAX",
  "RULES_SCHEMA",
  "RULES_SEMANTIC",
  "RULES_TEST_FAILED",
  "RULES_FRAGMENT",
]);
const YAMLISH = [
  ":",
  "-",
  "[",
  "]",
  "{",
  "}",
  '"',
  "'",
  "#",
  "\n",
  " ",
  "  ",
  "\t",
  "*",
  "&",
  "!",
  "|",
  ">",
  "x",
  "1",
  "null",
  "~",
  ",",
];

type Mutation =
  | { kind: "delete"; at: number; len: number }
  | { kind: "insert"; at: number; text: string }
  | { kind: "dupLine"; line: number }
  | { kind: "dropLine"; line: number }
  | { kind: "swapLines"; a: number; b: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant("delete" as const), at: fc.nat(), len: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ kind: fc.constant("insert" as const), at: fc.nat(), text: fc.constantFrom(...YAMLISH) }),
  fc.record({ kind: fc.constant("dupLine" as const), line: fc.nat() }),
  fc.record({ kind: fc.constant("dropLine" as const), line: fc.nat() }),
  fc.record({ kind: fc.constant("swapLines" as const), a: fc.nat(), b: fc.nat() }),
);

function apply(src: string, muts: Mutation[]): string {
  let s = src;
  for (const m of muts) {
    const lines = s.split("\n");
    switch (m.kind) {
      case "delete": {
        const at = m.at % (s.length + 1);
        s = s.slice(0, at) + s.slice(at + m.len);
        break;
      }
      case "insert": {
        const at = m.at % (s.length + 1);
        s = s.slice(0, at) + m.text + s.slice(at);
        break;
      }
      case "dupLine": {
        const i = m.line % lines.length;
        lines.splice(i, 0, lines[i]!);
        s = lines.join("\n");
        break;
      }
      case "dropLine":
        lines.splice(m.line % lines.length, 1);
        s = lines.join("\n");
        break;
      case "swapLines": {
        const a = m.a % lines.length;
        const b = m.b % lines.length;
        [lines[a], lines[b]] = [lines[b]!, lines[a]!];
        s = lines.join("\n");
        break;
      }
    }
  }
  return s;
}

describe("loader robustness", () => {
  it("random mutations yield a rule set or positioned diagnostics, never an exception", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 4 }), async (muts) => {
        const text = apply(source, muts);
        const r = await loadRuleSetSource(file, text);
        if (r.ok) return;
        expect(r.errors.length).toBeGreaterThan(0);
        for (const e of r.errors) {
          // A diagnostic may point into a fragment (e.g. its test fails against the mutated set).
          const lineCount = (e.file === file ? text : readFileSync(e.file, "utf8")).split("\n").length;
          expect(CODES.has(e.code), `${e.code}: ${e.message}`).toBe(true);
          expect(e.line).toBeGreaterThanOrEqual(1);
          expect(e.line).toBeLessThanOrEqual(lineCount + 1);
          expect(e.column).toBeGreaterThanOrEqual(1);
          expect(e.path.startsWith("$")).toBe(true);
          expect(e.message.length).toBeGreaterThan(0);
        }
        const thrown = await loadRuleSetOrThrow(file, text).catch((e: unknown) => e);
        expect(isHubError(thrown)).toBe(true);
      }),
      { numRuns: 40, seed: 4242 },
    );
  });
});

// ---------------------------------------------------------------- generated valid rule sets

const randomCase = (v: string) => fc.constantFrom(v, v.toLowerCase(), v.toUpperCase());
const subset = (values: readonly string[]) =>
  fc
    .uniqueArray(fc.constantFrom(...values), { minLength: 1, maxLength: 4 })
    .chain((l) => fc.tuple(...l.map(randomCase)));

const teamsRule = fc.record(
  {
    priority: fc.integer({ min: -2, max: 3 }),
    when: fc
      .record(
        {
          availability: subset(TEAMS_AVAILABILITIES),
          activity: subset(TEAMS_ACTIVITIES),
          outOfOffice: fc.boolean(),
        },
        { requiredKeys: [] },
      )
      .filter((w) => Object.keys(w).length > 0),
    // biome-ignore lint/suspicious/noThenProperty: `then` is the rule-set format's output key.
    then: fc.record({
      activity: fc.constantFrom(...PBX_ACTIVITIES),
      note: fc.constantFrom("", "In a Teams {{activity}}", "{{availability}} / {{ activity }}"),
      cfb: fc.constantFrom("ensure" as const, "leave" as const),
    }),
  },
  { requiredKeys: ["when", "then"] },
);
const pbxRule = fc.record(
  {
    priority: fc.integer({ min: -2, max: 3 }),
    when: fc
      .record(
        { callState: subset(PBX_CALL_STATES), activity: subset([...PBX_ACTIVITIES, "other"]) },
        { requiredKeys: [] },
      )
      .filter((w) => Object.keys(w).length > 0),
    // biome-ignore lint/suspicious/noThenProperty: `then` is the rule-set format's output key.
    then: fc.record({
      presence: fc.constantFrom(
        "Available/Available",
        "Busy/InACall",
        "Away/Away",
        "DoNotDisturb/Presenting",
        "clear",
      ),
    }),
  },
  { requiredKeys: ["when", "then"] },
);

const teamsInput = fc.record({
  availability: fc.oneof(fc.constantFrom(...TEAMS_AVAILABILITIES).chain(randomCase), fc.constant("Focusing")),
  activity: fc.oneof(fc.constantFrom(...TEAMS_ACTIVITIES).chain(randomCase), fc.constant("Lurking")),
  outOfOffice: fc.boolean(),
});
const pbxInput = fc.record({
  callState: fc.constantFrom(...PBX_CALL_STATES),
  activity: fc.oneof(fc.constantFrom(...PBX_ACTIVITIES).chain(randomCase), fc.constant("gardening")),
});

type Rule<W> = { priority?: number; when: W };
function reference<W, R extends Rule<W>>(rules: R[], match: (r: R) => boolean): string {
  const order = rules
    .map((r, i) => ({ r, i }))
    .sort((a, b) => (b.r.priority ?? 0) - (a.r.priority ?? 0) || a.i - b.i);
  const hit = order.find((o) => match(o.r));
  return hit ? `r${hit.i}` : "default";
}
const has = (l: readonly string[] | undefined, v: string) =>
  !l || l.some((x) => x.toLowerCase() === v.toLowerCase());

describe("generated rule sets", () => {
  it("table lookup == fresh-engine explain == reference first-match", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(teamsRule, { minLength: 1, maxLength: 5 }),
        fc.array(pbxRule, { maxLength: 3 }),
        fc.array(teamsInput, { minLength: 5, maxLength: 10 }),
        fc.array(pbxInput, { minLength: 3, maxLength: 6 }),
        async (tRules, pRules, tInputs, pInputs) => {
          const doc = {
            id: "generated",
            title: "Generated",
            description: "Generated by fast-check.",
            adapter: "innovaphone",
            teamsToPbx: {
              rules: tRules.map((r, i) => ({ name: `r${i}`, ...r })),
              default: { activity: "", note: "", cfb: "leave" },
            },
            pbxToTeams: {
              rules: pRules.map((r, i) => ({ name: `p${i}`, ...r })),
              default: { presence: "clear" },
            },
            cfb: { fallback: ["userCfb", "connectorDefault"] },
            tests: [
              {
                name: "unknown → default",
                teams: { availability: "Busy", activity: "Lurking" },
                expect: { rule: "default" },
              },
            ],
          };
          const text = `# yaml-language-server: $schema=./schema.json\n${stringify(doc)}`;
          const r = await loadRuleSetSource("generated.yaml", text);
          if (!r.ok) throw new Error(r.errors.map((e) => `${e.line}:${e.column} ${e.message}`).join("\n"));
          const rs = r.ruleSet;
          for (const input of tInputs) {
            const table = rs.decideTeamsToPbx(input);
            const e = (await explainRuleSet(rs, { teams: input })).teamsToPbx!;
            expect(e.decision).toEqual(table);
            expect(e.consistent).toBe(true);
            const known =
              TEAMS_AVAILABILITIES.some((v) => v.toLowerCase() === input.availability.toLowerCase()) &&
              TEAMS_ACTIVITIES.some((v) => v.toLowerCase() === input.activity.toLowerCase());
            const expected = known
              ? reference(
                  tRules,
                  (x) =>
                    has(x.when.availability, input.availability) &&
                    has(x.when.activity, input.activity) &&
                    (x.when.outOfOffice === undefined || x.when.outOfOffice === input.outOfOffice),
                )
              : "default";
            expect(table.rule).toBe(expected);
          }
          for (const input of pInputs) {
            const table = rs.decidePbxToTeams(input);
            const e = (await explainRuleSet(rs, { pbx: input })).pbxToTeams!;
            expect(e.decision).toEqual(table);
            const act = PBX_ACTIVITIES.some((v) => v === input.activity.toLowerCase())
              ? input.activity
              : "other";
            const expected = reference(
              pRules,
              (x) => has(x.when.callState, input.callState) && has(x.when.activity, act),
            );
            expect(table.rule).toBe(expected === "default" ? "default" : expected.replace("r", "p"));
          }
        },
      ),
      { numRuns: 10, seed: 7 },
    );
  });
});
