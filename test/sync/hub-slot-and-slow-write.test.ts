// Two sync-core behaviours pinned with fixed scenarios (before, only the random property test or other
// tests caught them indirectly): the hub's own PBX presence slot — the newest item of the presence array
// right after the hub wrote it — is never taken for the user's activity; and a change that arrives while
// a slow write for the same endpoint is in flight is applied after that write (latest wins), on either side.
import { afterEach, describe, expect, it } from "vitest";
import { until } from "./fakes.js";
import { type Harness, harness, settle } from "./harness.js";

let h: Harness | undefined;
afterEach(() => {
  h?.core.close();
  h = undefined;
});

/** Hold the adapter method's first call until `release()`; `entered` resolves when it is waiting. */
function gateFirstCall<A extends unknown[]>(
  target: { [k: string]: unknown },
  method: string,
): { entered: Promise<void>; release: () => void } {
  const original = (target[method] as (...a: A) => Promise<void>).bind(target);
  let release!: () => void;
  let entered!: () => void;
  const gate = new Promise<void>((r) => {
    release = r;
  });
  const enteredP = new Promise<void>((r) => {
    entered = r;
  });
  let first = true;
  target[method] = async (...args: A) => {
    if (first) {
      first = false;
      entered();
      await gate;
    }
    return original(...args);
  };
  return { entered: enteredP, release };
}

describe("the hub's own PBX slot is not the user's activity", () => {
  it("innovaphone-mirror: Teams DND → hub slot dnd (newest item) → no Teams session from it", async () => {
    h = await harness({ type: "innovaphone-mirror" });
    // The user's own item exists (empty) and is older than anything the hub writes.
    h.pbx.userSetPresence("g1", "", "");
    await settle(h);
    h.teams.userSet("t1", "DoNotDisturb", "DoNotDisturb");
    await until(() => h!.pbx.hubSlot("g1")?.activity === "dnd", 3000, "the hub's slot");
    const items = [...(h.pbx.presence.get("g1")?.values() ?? [])];
    expect(items.at(-1)).toMatchObject({ contact: h.pbx.hubContact, activity: "dnd" }); // newest
    await settle(h);
    // Taken for the user's "dnd", the slot would set DoNotDisturb/Presenting in Teams (pbx-dnd rule).
    expect(h.core.snapshot("e1")!.pbx).toMatchObject({ activity: "", hubSlot: { activity: "dnd" } });
    expect(h.teams.sessions.has("t1")).toBe(false);
    expect(h.teams.writes).toEqual([]);
    // And it stays so when Teams goes back: the slot is cleared, nothing was set in Teams.
    h.teams.userSet("t1", "Available", "Available");
    await settle(h);
    expect(h.pbx.hubSlot("g1")).toBeUndefined();
    expect(h.teams.writes).toEqual([]);
  });

  it("with no item of the user's own at all, the hub's slot alone is no activity either", async () => {
    h = await harness({ type: "innovaphone-mirror" });
    h.teams.userSet("t1", "Busy", "Busy");
    await until(() => h!.pbx.hubSlot("g1")?.activity === "busy", 3000, "the hub's slot");
    await settle(h);
    expect(h.core.snapshot("e1")!.pbx.activity).toBe("");
    expect(h.teams.writes).toEqual([]);
  });
});

describe("a change during a slow write is applied after it (latest wins)", () => {
  it("PBX side: the Teams call ends while the hub's dnd is still being written → the slot ends cleared", async () => {
    h = await harness({ type: "innovaphone-dnd" });
    await settle(h);
    const write = gateFirstCall(h.pbx as never, "setPresence");
    h.teams.userSet("t1", "Busy", "InACall");
    await write.entered;
    // The newer state arrives while the write of the older one is in flight.
    h.teams.userSet("t1", "Available", "Available");
    await until(() => h!.core.snapshot("e1")!.teams.facts?.activity === "Available", 3000, "the newer fact");
    write.release();
    await settle(h);
    expect(h.pbx.hubSlot("g1")).toBeUndefined();
    expect(h.pbx.usersByGuid.get("g1")!.cfb).toEqual([]);
    expect(h.pbx.writes.filter((w) => w.op === "setPresence").map((w) => w.args[0])).toEqual(["dnd", ""]);
  });

  it("Teams side: the PBX call ends while the hub's Busy/InACall is still being written → the session ends cleared", async () => {
    h = await harness({ type: "innovaphone-dnd" });
    await settle(h);
    const write = gateFirstCall(h.teams as never, "setPresence");
    h.pbx.call("g1", "connected");
    await write.entered;
    h.pbx.call("g1", "idle");
    await until(() => h!.core.snapshot("e1")!.pbx.callState === "idle", 3000, "the newer fact");
    write.release();
    await settle(h);
    expect(h.teams.sessions.has("t1")).toBe(false);
    expect(h.teams.writes.map((w) => w.op)).toEqual(["setPresence", "clearPresence"]);
  });
});
