// An addCfb that reached the PBX but whose reply was lost: whether the call ends before the PBX's
// replication update for that entry arrived or the busy state lasts, the entry is the hub's to remove and
// is never added twice.
//
// Was a bug (found in review): step 0 resolved the intent against the core's copy of the user's CFB
// entries, which can predate the PBX's ReplicateUpdate for the lost add; the intent was dropped and the
// entry stayed on the PBX for good, and a still-wanted retry added a second entry. Now the intent stays
// until the PBX answers: the retry adopts an equal entry, the removal re-reads the PBX's list.
import { afterEach, expect, it } from "vitest";
import { isNeutral } from "../../engine/sync/core.js";
import { until } from "./fakes.js";
import { type Harness, harness, settle } from "./harness.js";

let h: Harness | undefined;
afterEach(() => {
  h?.core.close();
  h = undefined;
});

it("a lost addCfb reply whose replication update arrives after the call ended is still undone", async () => {
  h = await harness({ type: "innovaphone-dnd", core: { retryBaseMs: 5000, retryMaxMs: 5000 } });
  const x = h;
  const cfb = () => x.pbx.usersByGuid.get("g1")!.cfb;
  // The PBX applies the entry, but neither the reply nor (yet) the replication update reaches the hub
  // (a new object: the hub keeps the user row it was sent).
  x.pbx.addCfb = async (g, dest) => {
    const u = x.pbx.usersByGuid.get(g)!;
    x.pbx.usersByGuid.set(g, { ...u, cfb: [...u.cfb, { e164: dest }] });
    throw new Error("timeout: no reply");
  };
  x.teams.userSet("t1", "Busy", "InACall");
  await until(() => x.core.stats().failing === 1, 2000, "addCfb failed, retry pending");
  expect(cfb()).toEqual([{ e164: "200" }]);
  // The Teams call ends before the retry; only then does the replication update arrive.
  x.teams.userSet("t1", "Available", "Available");
  await until(() => x.core.stats().pending === 0 && x.core.stats().failing === 0, 2000, "neutral run");
  x.pbx.addUser(x.pbx.usersByGuid.get("g1")!); // the replication update
  await settle(x);
  expect(cfb()).toEqual([]);
  expect(isNeutral(x.core.snapshot("e1")!.hub)).toBe(true);
});

it("a lost addCfb reply followed by a retry while still busy adopts the entry instead of adding a second", async () => {
  h = await harness({ type: "innovaphone-dnd", core: { retryBaseMs: 50, retryMaxMs: 50 } });
  const x = h;
  const cfb = () => x.pbx.usersByGuid.get("g1")!.cfb;
  const realAdd = x.pbx.addCfb.bind(x.pbx);
  x.pbx.addCfb = async (g, dest) => {
    const u = x.pbx.usersByGuid.get(g)!;
    x.pbx.usersByGuid.set(g, { ...u, cfb: [...u.cfb, { e164: dest }] });
    x.pbx.addCfb = realAdd; // only the first reply is lost
    throw new Error("timeout: no reply");
  };
  x.teams.userSet("t1", "Busy", "InACall");
  await until(() => x.core.stats().pending === 0 && x.core.stats().failing === 0, 3000, "retry done");
  expect(cfb()).toEqual([{ e164: "200" }]);
  expect(x.core.snapshot("e1")!.hub.cfb).toEqual({ e164: "200" });
  x.teams.userSet("t1", "Available", "Available");
  await settle(x);
  expect(cfb()).toEqual([]);
  expect(isNeutral(x.core.snapshot("e1")!.hub)).toBe(true);
});
