// RuleRegistry without a watcher: per-file isolation on load, status listeners, RuleSetSource contract;
// and the CFB fallback chain resolved per user after the lookup.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { RuleRegistry, type RuleTypeStatus } from "../../engine/rules/index.js";
import type { RuleSetSource } from "../../engine/rules/types.js";

const fixtures = join(import.meta.dirname, "fixtures");

describe("RuleRegistry.load", () => {
  it("isolates files: the valid one is active, each broken one reports its own error", async () => {
    const registry = new RuleRegistry();
    const seen: RuleTypeStatus[] = [];
    registry.onStatus((s) => seen.push(s));
    const swaps: string[] = [];
    const source: RuleSetSource = registry;
    source.onSwap((id) => swaps.push(id));
    const list = await registry.load(fixtures);
    expect(list.map((s) => s.id)).toEqual([
      "bad-output",
      "duplicate-name",
      "failing-test",
      "minimal",
      "uncovered",
      "unknown-fact",
      "unknown-value",
      "yaml-syntax",
    ]);
    expect(swaps).toEqual(["minimal"]);
    expect(seen).toHaveLength(8);
    expect(registry.status("minimal")).toMatchObject({
      state: "ok",
      active: true,
      revision: 1,
      lastError: null,
    });
    expect(registry.status("bad-output")).toMatchObject({
      state: "invalid",
      active: false,
      revision: 0,
      hash: null,
    });
    expect(registry.status("bad-output")!.lastError!.formatted).toBe(
      `${join(fixtures, "bad-output.yaml")}:12:19 ${registry.status("bad-output")!.lastError!.message}`,
    );
    expect(
      source
        .get("minimal")
        ?.decideTeamsToPbx({ availability: "Busy", activity: "InACall", outOfOffice: false }).activity,
    ).toBe("dnd");
    expect(source.get("bad-output")).toBeUndefined();
    await registry.close();
  });
});
