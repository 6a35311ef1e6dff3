// Unknown Teams/PBX values fall to the default (or "other") and are logged once per value, with
// component "rules". Uses a fresh module graph so the rules logger writes into a captured stream.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Writable } from "node:stream";
import { describe, expect, it, vi } from "vitest";

describe("unknown values", () => {
  it("fall to the default and are logged once per value", async () => {
    vi.resetModules();
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk, _enc, cb) {
        for (const l of String(chunk).split("\n").filter(Boolean)) lines.push(JSON.parse(l));
        cb();
      },
    });
    const log = await import("../../common/log.js");
    log.configureRootLogger({ level: "info" }, sink);
    const { loadRuleSetOrThrow } = await import("../../engine/rules/loader.js");
    const file = join(import.meta.dirname, "fixtures", "minimal.yaml");
    const rs = await loadRuleSetOrThrow(file, readFileSync(file, "utf8"));
    // Embedded tests probing unknown values do not log.
    expect(lines.filter((l) => String(l.msg).includes("unknown"))).toEqual([]);

    for (let i = 0; i < 3; i++) {
      expect(
        rs.decideTeamsToPbx({ availability: "Busy", activity: "Focusing", outOfOffice: false }).rule,
      ).toBe("default");
      expect(
        rs.decideTeamsToPbx({ availability: "Busy", activity: "FOCUSING", outOfOffice: true }).rule,
      ).toBe("default");
      expect(rs.decidePbxToTeams({ callState: "idle", activity: "gardening" }).rule).toBe("default");
    }
    await new Promise((r) => setImmediate(r));
    const reports = lines.filter((l) => l.component === "rules" && l.level === 40);
    expect(reports.map((l) => [l.field, l.value])).toEqual([
      ["activity", "Focusing"],
      ["pbxActivity", "gardening"],
    ]);
  });
});
