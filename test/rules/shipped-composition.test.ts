// The shipped sets after moving their shared parts into rules/fragments/: the compiled decision tables
// (and the effective CFB policy, words and defaults) equal those built from the pre-refactor files kept
// in fixtures/pre-composition/, and every shipped fragment is used.
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { defaultRulesDir } from "../../common/paths.js";
import { loadRuleSetFile } from "../../engine/rules/loader.js";
import type { CompiledRuleSet } from "../../engine/rules/table.js";

const before = join(import.meta.dirname, "fixtures", "pre-composition");
const IDS = ["innovaphone-calls-only", "innovaphone-dnd", "innovaphone-mirror"];

async function load(file: string): Promise<CompiledRuleSet> {
  const r = await loadRuleSetFile(file);
  if (!r.ok) throw new Error(`${file}: ${r.errors.map((e) => e.message).join("; ")}`);
  return r.ruleSet;
}

describe("shipped rule sets composed from fragments", () => {
  for (const id of IDS) {
    it(`${id}: same decision tables as before the refactor`, async () => {
      const now = await load(join(defaultRulesDir, `${id}.yaml`));
      const old = await load(join(before, `${id}.yaml`));
      expect(now.composition?.fragments.length).toBeGreaterThan(0);
      expect(old.composition?.fragments).toEqual([]);
      expect(now.tables).toEqual(old.tables);
      // Also what lies beside the tables: CFB policy in effect, words, defaults, first-match order.
      expect(now.cfb).toEqual(old.cfb);
      expect(now.words).toEqual(old.words);
      expect(now.doc.teamsToPbx.default).toEqual(old.doc.teamsToPbx.default);
      expect(now.doc.pbxToTeams.default).toEqual(old.doc.pbxToTeams.default);
      expect(now.teamsRules.map((r) => [r.name, r.rank, r.doc.then])).toEqual(
        old.teamsRules.map((r) => [r.name, r.rank, r.doc.then]),
      );
      expect(now.pbxRules.map((r) => [r.name, r.rank, r.doc.then])).toEqual(
        old.pbxRules.map((r) => [r.name, r.rank, r.doc.then]),
      );
      // Every test of the old file still runs (some now come from fragments).
      expect(now.doc.tests.map((t) => t.name).sort()).toEqual(
        expect.arrayContaining(old.doc.tests.map((t) => t.name).sort()),
      );
    });
  }

  it("every shipped fragment is extended by at least one shipped set", async () => {
    const used = new Set<string>();
    for (const id of IDS)
      for (const f of (await load(join(defaultRulesDir, `${id}.yaml`))).composition?.fragments ?? [])
        used.add(f.name);
    const files = (await readdir(join(defaultRulesDir, "fragments"))).filter((n) => n.endsWith(".yaml"));
    expect(files.map((n) => n.replace(/\.yaml$/, "")).sort()).toEqual([...used].sort());
  });

  it("every fragment points editors at the fragment schema", async () => {
    const dir = join(defaultRulesDir, "fragments");
    for (const n of (await readdir(dir)).filter((f) => f.endsWith(".yaml"))) {
      const first = (await readFile(join(dir, n), "utf8")).split("\n")[0]!;
      expect(first, n).toBe("# yaml-language-server: $schema=../fragment.schema.json");
      expect(existsSync(resolve(dir, "../fragment.schema.json"))).toBe(true);
    }
  });
});
