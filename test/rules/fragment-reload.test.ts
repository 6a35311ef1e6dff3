// Hot reload of fragments with the real watcher on a temp copy of rules/: a fragment change reloads every
// set using it (and only those); a broken or deleted fragment fails its users, each keeping its own last
// good revision, while other sets go on; reloadAll() re-reads everything and reports per set.
import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RuleRegistry } from "../../engine/rules/registry.js";
import { type RulesDir, tempRules, within } from "./rules-dir.js";

const DND = "innovaphone-dnd";
const CALLS = "innovaphone-calls-only";
const MIRROR = "innovaphone-mirror";

let rd: RulesDir;
let registry: RuleRegistry;
const swaps: string[] = [];
const rev = (id: string) => registry.get(id)?.revision ?? 0;
const state = (id: string) => registry.status(id)?.state;
const text = (name: string) => readFile(rd.path(name), "utf8");

/** Swaps since `mark`, as a sorted set of ids. */
const swappedSince = (mark: number) => [...new Set(swaps.slice(mark))].sort();

beforeAll(async () => {
  rd = await tempRules({}, true);
  registry = new RuleRegistry({ debounceMs: 100 });
  await registry.watch(rd.dir);
  registry.onSwap((id) => swaps.push(id));
});

afterAll(async () => {
  await registry?.close();
  await rd?.cleanup();
});

describe("fragment hot reload", () => {
  it("knows which fragments each set uses", () => {
    expect(registry.status(DND)!.fragments).toEqual(["teams-calls-dnd", "pbx-call-dnd", "cfb-default"]);
    expect(registry.status(MIRROR)!.fragments).toEqual(["pbx-call-busy", "cfb-default"]);
    for (const id of [DND, CALLS, MIRROR]) expect(rev(id)).toBe(1);
  });

  it("a change to a fragment every set uses reloads all three", async () => {
    const mark = swaps.length;
    const src = await text("fragments/cfb-default.yaml");
    await rd.write("fragments/cfb-default.yaml", src.replace("restore: true", "restore: false"));
    await within(2000, () => [DND, CALLS, MIRROR].every((id) => rev(id) === 2));
    await registry.idle();
    expect(swappedSince(mark)).toEqual([CALLS, DND, MIRROR]);
    for (const id of [DND, CALLS, MIRROR]) expect(registry.get(id)!.cfb.restore).toBe(false);
  });

  it("a change to a fragment two sets use reloads only those two", async () => {
    const mark = swaps.length;
    const src = await text("fragments/pbx-call-busy.yaml");
    await rd.write(
      "fragments/pbx-call-busy.yaml",
      src.replace("description: A connected", "description: Any connected"),
    );
    await within(2000, () => rev(CALLS) === 3 && rev(MIRROR) === 3);
    await new Promise((r) => setTimeout(r, 250));
    await registry.idle();
    expect(swappedSince(mark)).toEqual([CALLS, MIRROR]);
    expect(rev(DND)).toBe(2);
  });

  it("a broken fragment fails each set using it; each keeps its last good revision, others unaffected", async () => {
    const good = await text("fragments/pbx-call-busy.yaml");
    const lines = good.split("\n");
    const i = lines.findIndex((l) => l.includes("presence: Busy/InACall"));
    lines[i] = lines[i]!.replace("Busy/InACall", "Busy/OnThePhone");
    await rd.write("fragments/pbx-call-busy.yaml", lines.join("\n"));
    await within(2000, () => state(CALLS) === "invalid" && state(MIRROR) === "invalid");
    for (const id of [CALLS, MIRROR]) {
      const st = registry.status(id)!;
      expect(st).toMatchObject({ revision: 3, active: true, reloadFailures: 1 });
      expect(st.lastError).toMatchObject({
        file: rd.path("fragments/pbx-call-busy.yaml"),
        line: i + 1,
        column: lines[i]!.indexOf("Busy/OnThePhone") + 1,
        via: [{ file: rd.path(`${id}.yaml`) }],
      });
      expect(st.lastError!.formatted).toContain(`(pulled in by ${rd.path(`${id}.yaml`)}:`);
      // Still serving the last good revision.
      expect(registry.get(id)!.decidePbxToTeams({ callState: "connected", activity: "" }).presence).toEqual({
        availability: "Busy",
        activity: "InACall",
      });
    }
    expect(state(DND)).toBe("ok");

    // One set failing does not block another: a valid change to a fragment all use still reaches dnd.
    const cfb = await text("fragments/cfb-default.yaml");
    await rd.write("fragments/cfb-default.yaml", cfb.replace("restore: false", "restore: true"));
    await within(2000, () => rev(DND) === 3);
    await registry.idle();
    expect(rev(CALLS)).toBe(3);
    expect(state(CALLS)).toBe("invalid");

    // Fixing the fragment heals both users (new revision: cfb-default changed meanwhile).
    await rd.write("fragments/pbx-call-busy.yaml", good);
    await within(2000, () => state(CALLS) === "ok" && state(MIRROR) === "ok");
    expect(rev(CALLS)).toBe(4);
    expect(registry.status(CALLS)!.lastError).toBeNull();
  });

  it("deleting a fragment: its users report the extend entry and keep serving; restoring heals", async () => {
    const src = await text("fragments/pbx-call-dnd.yaml");
    const setText = await text(`${DND}.yaml`);
    await rd.remove("fragments/pbx-call-dnd.yaml");
    await within(2000, () => state(DND) === "invalid");
    const err = registry.status(DND)!.lastError!;
    const line = setText.split("\n").findIndex((l) => l.startsWith("extend:"));
    expect(err).toMatchObject({
      code: "RULES_FRAGMENT",
      file: rd.path(`${DND}.yaml`),
      line: line + 1,
      column: setText.split("\n")[line]!.indexOf("pbx-call-dnd") + 1,
    });
    expect(err.message).toMatch(/^unknown fragment "pbx-call-dnd"/);
    expect(registry.get(DND)!.revision).toBe(3);
    expect(state(CALLS)).toBe("ok");

    await rd.write("fragments/pbx-call-dnd.yaml", src);
    await within(2000, () => state(DND) === "ok");
    expect(rev(DND)).toBe(3); // same content as served: no swap
  });

  it("reloadAll re-reads every set and reports per set, with paths relative to the rules directory", async () => {
    await registry.idle();
    const before = registry.status(DND)!.lastReloadSuccessAt!;
    await new Promise((r) => setTimeout(r, 5));
    const mirror = await text(`${MIRROR}.yaml`);
    // Written and reloaded before the watcher's debounce fires: reloadAll picks it up itself.
    await rd.write(`${MIRROR}.yaml`, mirror.replace("activity: busy\n", "activity: bussy\n"));
    const results = await registry.reloadAll();
    expect(results.map((r) => r.id)).toEqual([CALLS, DND, MIRROR]);
    expect(results[0]).toEqual({ id: CALLS, ok: true, revision: 4, hash: registry.get(CALLS)!.hash });
    expect(results[1]).toMatchObject({ id: DND, ok: true, revision: 3 });
    expect(results[2]).toMatchObject({
      id: MIRROR,
      ok: false,
      revision: 4,
      hash: registry.get(MIRROR)!.hash,
    });
    expect(results[2]!.error).toMatch(
      /^innovaphone-mirror\.yaml:\d+:\d+ teamsToPbx\.rules\[\d\]\.then\.activity has value "bussy"/,
    );
    expect(registry.status(DND)!.lastReloadSuccessAt! > before).toBe(true);
    await rd.write(`${MIRROR}.yaml`, mirror);
    await within(2000, () => state(MIRROR) === "ok");
  });
});
