// Invariants over the whole catalogue in rules/ (zigbee-herdsman-converters `checks.test.ts` style):
// every file loads, its embedded tests pass and decide every rule, ids are unique and equal the file name,
// every set is registered with the test catalogue, every fragment is used, and the header points editors at
// the schema.
import { readdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { describe, expect, it } from "vitest";
import { defaultRulesDir } from "../../common/paths.js";
import { loadRuleSetFile } from "../../engine/rules/loader.js";
import { PBX_ACTIVITIES, SET_PRESENCE_PAIRS } from "../../engine/presence.js";
import { SHIPPED_TYPES } from "../sync/harness.js";

const files = readdirSync(defaultRulesDir)
  .filter((f) => /\.ya?ml$/.test(f))
  .sort();

describe("rules/ catalogue", () => {
  it("every shipped set is registered with the test catalogue (the interleaving and property tests run each)", () => {
    expect(files).toEqual([...SHIPPED_TYPES].sort().map((t) => `${t}.yaml`));
  });

  it("every shipped fragment is used by a shipped set", async () => {
    const used = new Set<string>();
    for (const f of files) {
      const r = await loadRuleSetFile(join(defaultRulesDir, f));
      for (const name of r.fragments ?? []) used.add(name);
    }
    const fragments = readdirSync(join(defaultRulesDir, "fragments"))
      .filter((f) => /\.ya?ml$/.test(f))
      .map((f) => basename(f).replace(/\.ya?ml$/, ""));
    expect(fragments.filter((f) => !used.has(f))).toEqual([]);
  });

  it("has unique ids", async () => {
    const ids: string[] = [];
    for (const f of files) {
      const r = await loadRuleSetFile(join(defaultRulesDir, f));
      if (r.ok) ids.push(r.ruleSet.id);
    }
    expect(new Set(ids).size).toBe(files.length);
  });

  for (const f of files) {
    describe(f, () => {
      it("starts with the yaml-language-server schema header", () => {
        expect(readFileSync(join(defaultRulesDir, f), "utf8").split("\n")[0]).toBe(
          "# yaml-language-server: $schema=./schema.json",
        );
      });

      it("loads without errors or warnings, id == file name, embedded tests pass", async () => {
        const r = await loadRuleSetFile(join(defaultRulesDir, f));
        if (!r.ok) throw new Error(r.errors.map((e) => `${e.line}:${e.column} ${e.message}`).join("\n"));
        expect(r.warnings).toEqual([]);
        expect(r.ruleSet.id).toBe(basename(f, ".yaml"));
        expect(r.ruleSet.adapter).toBe("innovaphone");
        expect(r.ruleSet.description.length).toBeGreaterThan(20);
      });

      it("covers both directions in its embedded tests", async () => {
        const r = await loadRuleSetFile(join(defaultRulesDir, f));
        if (!r.ok) throw new Error("not loaded");
        expect(r.ruleSet.doc.tests.some((t) => t.teams)).toBe(true);
        expect(r.ruleSet.doc.tests.some((t) => t.pbx)).toBe(true);
      });

      it("covers every rule: each one decides at least one embedded test", async () => {
        const r = await loadRuleSetFile(join(defaultRulesDir, f));
        if (!r.ok) throw new Error("not loaded");
        const rs = r.ruleSet;
        const won = new Set<string>();
        for (const t of rs.doc.tests) {
          if (t.teams)
            won.add(rs.decideTeamsToPbx({ ...t.teams, outOfOffice: t.teams.outOfOffice ?? false }).rule);
          if (t.pbx) won.add(rs.decidePbxToTeams({ callState: t.pbx.callState as never, activity: t.pbx.activity ?? "" }).rule);
        }
        const rules = [...rs.doc.teamsToPbx.rules, ...rs.doc.pbxToTeams.rules].map((x) => x.name);
        expect(rules.filter((n) => !won.has(n))).toEqual([]);
      });

      it("only produces documented outputs", async () => {
        const r = await loadRuleSetFile(join(defaultRulesDir, f));
        if (!r.ok) throw new Error("not loaded");
        for (const c of r.ruleSet.tables.teamsToPbx) expect(PBX_ACTIVITIES).toContain(c.decision.activity);
        for (const c of r.ruleSet.tables.pbxToTeams) {
          const p = c.decision.presence;
          if (p)
            expect(
              SET_PRESENCE_PAIRS.some((x) => x.availability === p.availability && x.activity === p.activity),
            ).toBe(true);
        }
      });
    });
  }
});

describe("connector-type semantics from the issue", () => {
  const load = async (id: string) => {
    const r = await loadRuleSetFile(join(defaultRulesDir, `${id}.yaml`));
    if (!r.ok) throw new Error("not loaded");
    return r.ruleSet;
  };
  const t = (availability: string, activity: string, outOfOffice = false) => ({
    availability,
    activity,
    outOfOffice,
  });

  it("innovaphone-dnd: call, conference, meeting, presenting, DND → dnd; PBX call → DoNotDisturb/Presenting", async () => {
    const rs = await load("innovaphone-dnd");
    for (const [av, ac] of [
      ["Busy", "InACall"],
      ["Busy", "InAConferenceCall"],
      ["Busy", "InAMeeting"],
      ["DoNotDisturb", "Presenting"],
      ["DoNotDisturb", "DoNotDisturb"],
    ])
      expect(rs.decideTeamsToPbx(t(av!, ac!))).toMatchObject({ activity: "dnd", cfb: "ensure" });
    expect(rs.decidePbxToTeams({ callState: "connected", activity: "" }).presence).toEqual({
      availability: "DoNotDisturb",
      activity: "Presenting",
    });
    expect(rs.decidePbxToTeams({ callState: "idle", activity: "" }).presence).toBeNull();
  });

  it("innovaphone-calls-only: a calendar meeting does not suppress; PBX call → Busy/InACall", async () => {
    const rs = await load("innovaphone-calls-only");
    expect(rs.decideTeamsToPbx(t("Busy", "InAMeeting")).activity).toBe("");
    expect(rs.decideTeamsToPbx(t("Busy", "InACall")).cfb).toBe("ensure");
    expect(rs.decidePbxToTeams({ callState: "held", activity: "" }).presence).toEqual({
      availability: "Busy",
      activity: "InACall",
    });
  });

  it("innovaphone-mirror: §1.9 mapping, out of office → away", async () => {
    const rs = await load("innovaphone-mirror");
    const expected: Record<string, string> = {
      Away: "away",
      BeRightBack: "away",
      Busy: "busy",
      DoNotDisturb: "dnd",
      InACall: "on-the-phone",
      InAConferenceCall: "on-the-phone",
      Presenting: "on-the-phone",
      InAMeeting: "meeting",
      OutOfOffice: "away",
      UrgentInterruptionsOnly: "dnd",
      Inactive: "",
      PresenceUnknown: "",
      Available: "",
      Offline: "",
      OffWork: "",
    };
    for (const [ac, pbx] of Object.entries(expected))
      expect(rs.decideTeamsToPbx(t("Available", ac)).activity, ac).toBe(pbx);
    expect(rs.decideTeamsToPbx(t("Available", "Available", true)).activity).toBe("away");
  });
});
