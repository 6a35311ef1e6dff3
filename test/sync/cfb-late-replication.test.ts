// An addCfb that reached the PBX but whose reply was lost, when the call ends before the PBX's replication
// update for that entry arrived: the entry the hub added must still be removed once it shows up.
//
// KNOWN BUG (open, `it.fails` until fixed): step 0 of applyPbx resolves the crash/lost-reply intent against
// the core's copy of the user's CFB entries. A new desire skips the retry backoff, so that copy can predate
// the PBX's ReplicateUpdate for the lost add: nothing is adopted, the intent is dropped, and the entry the
// hub added stays on the PBX for good. (The same stale copy makes a still-wanted retry add a second entry
// and forget the first.) A fix needs the intent kept until user data newer than the failed add arrived
// (a `user` event for that guid or the next `synchronized`) without blocking the presence write, or an
// idempotent, PBX-authoritative addCfb/removeCfb by destination in the adapter.
import { afterEach, expect, it } from "vitest";
import { isNeutral } from "../../engine/sync/core.js";
import { until } from "./fakes.js";
import { type Harness, harness, settle } from "./harness.js";

let h: Harness | undefined;
afterEach(() => {
  h?.core.close();
  h = undefined;
});

it.fails("a lost addCfb reply whose replication update arrives after the call ended is still undone", async () => {
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
