// Sync core against fake adapters that echo like the real systems, with the shipped rule sets: both
// directions, CFB fallback, echo suppression (no ping-pong), latest wins, unchanged not re-sent, retries,
// reconcile on reconnect / rule swap / restart.
import { afterEach, describe, expect, it } from "vitest";
import { isNeutral } from "../../engine/sync/core.js";
import { until } from "./fakes.js";
import { type Harness, harness, SHIPPED_TYPES, settle, shippedRules, SwappableRules } from "./harness.js";

let h: Harness | undefined;
afterEach(() => {
  h?.core.close();
  h = undefined;
});

function teamsWrites(x: Harness, op?: string) {
  return x.teams.writes.filter((w) => !op || w.op === op);
}

function pbxWrites(x: Harness, op?: string) {
  return x.pbx.writes.filter((w) => !op || w.op === op);
}

async function expectNeutral(x: Harness): Promise<void> {
  await settle(x);
  expect(x.pbx.hubSlot("g1")).toBeUndefined();
  expect(x.pbx.usersByGuid.get("g1")!.cfb).toEqual([]);
  expect(x.teams.sessions.size).toBe(0);
  expect(isNeutral(x.core.snapshot("e1")!.hub)).toBe(true);
}

describe.each(SHIPPED_TYPES)("connector type %s: interleaved Teams and PBX calls", (type) => {
  it("Teams call first, PBX call during it, Teams ends, PBX ends → converges, neutral end, no ping-pong", async () => {
    const rules = await shippedRules();
    const rs = rules.get(type)!;
    h = await harness({ type });
    await settle(h);
    expect(h.pbx.writes).toEqual([]);
    expect(h.teams.writes).toEqual([]);

    h.teams.userSet("t1", "Busy", "InACall");
    const t2p = rs.decideTeamsToPbx({ availability: "Busy", activity: "InACall", outOfOffice: false });
    await settle(h);
    expect(h.pbx.hubSlot("g1")?.activity ?? "").toBe(t2p.activity);
    if (t2p.activity && t2p.cfb === "ensure") expect(h.pbx.incomingCall("g1")).toBe("forwarded to 200");

    h.pbx.call("g1", "connected");
    const p2t = rs.decidePbxToTeams({ callState: "connected", activity: "" });
    await settle(h);
    expect(h.teams.sessions.get("t1") ?? null).toEqual(p2t.presence);
    // The hub's own Teams session comes back as an echo; the PBX side must not move because of it.
    expect(h.pbx.hubSlot("g1")?.activity ?? "").toBe(t2p.activity);

    h.teams.userSet("t1", "Available", "Available");
    await settle(h);
    h.pbx.call("g1", "idle");
    await new Promise((r) => setTimeout(r, 100)); // past the echo grace window
    await expectNeutral(h);
    expect(h.pbx.incomingCall("g1")).toBe("rings");
    // Bounded: each side written a handful of times, not a loop.
    expect(h.pbx.writes.length).toBeLessThanOrEqual(4);
    expect(h.teams.writes.length).toBeLessThanOrEqual(2);
  });

  it("PBX call first, Teams call during it, PBX ends, Teams ends → neutral end", async () => {
    const rs = (await shippedRules()).get(type)!;
    h = await harness({ type });
    h.pbx.call("g1", "connected");
    await settle(h);
    expect(h.teams.sessions.get("t1") ?? null).toEqual(
      rs.decidePbxToTeams({ callState: "connected", activity: "" }).presence,
    );
    // The echo of the hub's session must not produce a PBX write.
    expect(h.pbx.writes).toEqual([]);

    h.teams.userSet("t1", "Busy", "InACall");
    await settle(h);
    h.pbx.call("g1", "idle");
    await new Promise((r) => setTimeout(r, 100));
    await settle(h);
    // The Teams call is still on: after the hub's session is gone it is visible and decides the PBX.
    const t2p = rs.decideTeamsToPbx({ availability: "Busy", activity: "InACall", outOfOffice: false });
    expect(h.pbx.hubSlot("g1")?.activity ?? "").toBe(t2p.activity);
    expect(h.teams.sessions.size).toBe(0);

    h.teams.userSet("t1", "Available", "Available");
    await expectNeutral(h);
  });

  it("the user's own PBX presence is a fact; the hub's slot is not", async () => {
    const rs = (await shippedRules()).get(type)!;
    h = await harness({ type });
    h.pbx.userSetPresence("g1", "dnd", "do not disturb");
    await settle(h);
    const want = rs.decidePbxToTeams({ callState: "idle", activity: "dnd" }).presence;
    expect(h.teams.sessions.get("t1") ?? null).toEqual(want);
    h.pbx.userSetPresence("g1", "", "");
    await new Promise((r) => setTimeout(r, 100));
    await expectNeutral(h);
  });
});

describe("innovaphone-dnd specifics", () => {
  it("a Teams call diverts a PBX call to the default destination and it rings again after", async () => {
    h = await harness({ type: "innovaphone-dnd" });
    h.teams.userSet("t1", "Busy", "InACall");
    await until(() => h!.pbx.incomingCall("g1") === "forwarded to 200");
    expect(h.pbx.hubSlot("g1")).toMatchObject({ activity: "dnd", note: "In a Teams call" });
    expect(h.core.snapshot("e1")!.hub.cfb).toEqual({ e164: "200" });
    h.teams.userSet("t1", "Available", "Available");
    await until(() => h!.pbx.incomingCall("g1") === "rings");
    await expectNeutral(h);
  });

  it("never adds a CFB entry when the user has their own, and never touches theirs", async () => {
    h = await harness({ type: "innovaphone-dnd", ownCfb: true });
    h.teams.userSet("t1", "Busy", "InACall");
    await settle(h);
    expect(h.pbx.incomingCall("g1")).toBe("forwarded to 999");
    expect(pbxWrites(h, "addCfb")).toEqual([]);
    h.teams.userSet("t1", "Available", "Available");
    await settle(h);
    expect(pbxWrites(h, "removeCfb")).toEqual([]);
    expect(h.pbx.usersByGuid.get("g1")!.cfb).toEqual([{ e164: "999" }]);
  });

  it("without a default destination nothing is added", async () => {
    h = await harness({ type: "innovaphone-dnd", defaultDestination: "" });
    h.teams.userSet("t1", "Busy", "InACall");
    await settle(h);
    expect(h.pbx.hubSlot("g1")?.activity).toBe("dnd");
    expect(pbxWrites(h, "addCfb")).toEqual([]);
  });

  it("duplicate notifications and unchanged decisions are not re-sent", async () => {
    h = await harness({ type: "innovaphone-dnd" });
    h.teams.userSet("t1", "Busy", "InACall");
    await settle(h);
    const n = h.pbx.writes.length;
    h.teams.userSet("t1", "Busy", "InAConferenceCall"); // different input, same activity, different note
    await settle(h);
    expect(pbxWrites(h, "setPresence").length).toBe(2);
    h.teams.userSet("t1", "DoNotDisturb", "Presenting");
    h.teams.userSet("t1", "DoNotDisturb", "Presenting");
    await settle(h);
    const m = h.pbx.writes.length;
    expect(m).toBeGreaterThanOrEqual(n);
    // Re-deliver the same presence (a duplicate Graph notification): nothing new is written.
    h.teams.emitDuplicate("t1");
    await settle(h);
    expect(h.pbx.writes.length).toBe(m);
  });

  it("latest wins: a burst of changes while writes are slow ends in the last state with few writes", async () => {
    h = await harness({ type: "innovaphone-dnd" });
    const slow = h.pbx.setPresence.bind(h.pbx);
    h.pbx.setPresence = async (g, a, n) => {
      await new Promise((r) => setTimeout(r, 20));
      return slow(g, a, n);
    };
    for (let i = 0; i < 50; i++) {
      if (i % 2 === 0) h.teams.userSet("t1", "Busy", "InACall");
      else h.teams.userSet("t1", "Available", "Available");
      await new Promise((r) => setImmediate(r));
    }
    h.teams.userSet("t1", "Busy", "InACall");
    await settle(h);
    expect(h.pbx.hubSlot("g1")?.activity).toBe("dnd");
    expect(pbxWrites(h, "setPresence").length).toBeLessThan(10);
  });

  it("failed writes are retried with backoff until they succeed", async () => {
    h = await harness({ type: "innovaphone-dnd" });
    h.pbx.failWrites = 3;
    h.teams.failWrites = 2;
    h.teams.userSet("t1", "Busy", "InACall");
    h.pbx.call("g1", "connected");
    await settle(h);
    expect(h.pbx.hubSlot("g1")?.activity).toBe("dnd");
    expect(h.teams.sessions.get("t1")).toEqual({ availability: "DoNotDisturb", activity: "Presenting" });
    expect(h.core.snapshot("e1")!.pbxError).toBeNull();
  });

  it("changes during an outage are applied on reconnect (synchronized), without replaying the backlog", async () => {
    h = await harness({ type: "innovaphone-dnd" });
    await settle(h);
    h.pbx.goOffline();
    h.teams.userSet("t1", "Busy", "InACall");
    h.teams.userSet("t1", "Available", "Available");
    h.teams.userSet("t1", "Busy", "InAMeeting");
    await settle(h);
    expect(pbxWrites(h)).toEqual([]);
    h.pbx.goOnline();
    await settle(h);
    expect(pbxWrites(h, "setPresence").map((w) => w.args)).toEqual([["dnd", "In a Teams meeting"]]);
  });

  it("a slot cleared behind the hub's back is restored (the PBX is the truth for the hub's slot)", async () => {
    h = await harness({ type: "innovaphone-dnd" });
    h.teams.userSet("t1", "Busy", "InACall");
    await settle(h);
    h.pbx.clearSlotExternally("g1");
    await settle(h);
    expect(h.pbx.hubSlot("g1")?.activity).toBe("dnd");
  });

  it("restart mid-call: persisted hub-set state lets the new core undo when the call ends", async () => {
    h = await harness({ type: "innovaphone-dnd" });
    h.teams.userSet("t1", "Busy", "InACall");
    h.pbx.call("g1", "connected");
    await settle(h);
    expect(h.persistence.map.get("e1")).toMatchObject({ pbx: { activity: "dnd" }, cfb: { e164: "200" } });
    // Crash: the core is gone; while it is down both calls end.
    h.core.close();
    h.teams.userSet("t1", "Available", "Available");
    h.pbx.call("g1", "idle");
    await new Promise((r) => setTimeout(r, 20));
    h.restart();
    h.pbx.goOnline();
    h.teams.start();
    await new Promise((r) => setTimeout(r, 100));
    await expectNeutral(h);
  });

  it("a start logs decisions only for users who are not at rest; the others keep theirs on the endpoint", async () => {
    const decisions = (x: Harness) =>
      x.notices.flatMap((n) => (n.kind === "decision.teamsToPbx" || n.kind === "decision.pbxToTeams" ? [`${n.kind} ${n.endpointId}`] : []));
    h = await harness({ type: "innovaphone-dnd", users: 3 });
    await settle(h);
    // At 100,000 endpoints one row per user and direction filled the event log four times over per restart.
    expect(decisions(h)).toEqual([]);
    expect(h.core.snapshot("e1")!.lastDecision.pbxToTeams?.reason).toBeTruthy();
    expect(h.core.snapshot("e1")!.lastDecision.teamsToPbx?.reason).toBeTruthy();

    h.pbx.call("g1", "connected");
    await settle(h);
    expect(decisions(h)).toEqual(["decision.pbxToTeams e1"]);

    h.teams.userSet("t2", "Busy", "InACall");
    await settle(h);
    h.notices.length = 0;
    h.restart();
    h.teams.start();
    h.pbx.goOnline();
    await settle(h);
    expect(decisions(h).sort()).toEqual(["decision.pbxToTeams e1", "decision.teamsToPbx e2"]);
  });

  it("restart while the call goes on re-asserts the Teams session (so the new process keeps refreshing it)", async () => {
    h = await harness({ type: "innovaphone-dnd" });
    h.pbx.call("g1", "connected");
    await settle(h);
    const before = teamsWrites(h, "setPresence").length;
    h.restart();
    h.teams.start();
    h.pbx.goOnline();
    await settle(h);
    expect(teamsWrites(h, "setPresence").length).toBe(before + 1);
    expect(h.teams.sessions.get("t1")).toEqual({ availability: "DoNotDisturb", activity: "Presenting" });
  });

  it("a crash during addCfb: the entry that appeared is adopted and later removed", async () => {
    h = await harness({ type: "innovaphone-dnd" });
    await settle(h);
    h.core.close();
    // What a crash right after the PBX added the entry leaves behind: the intent, not the entry.
    h.pbx.usersByGuid.get("g1")!.cfb = [{ e164: "200" }];
    h.persistence.map.set("e1", {
      pbx: null,
      pbxDirty: false,
      cfb: null,
      cfbIntent: { entry: { e164: "200" }, before: [] },
      cfbRetired: [],
      teams: null,
      teamsUserId: null,
      teamsDirty: false,
    });
    h.restart();
    h.teams.start();
    h.pbx.goOnline();
    await settle(h);
    expect(h.pbx.usersByGuid.get("g1")!.cfb).toEqual([]);
    expect(isNeutral(h.core.snapshot("e1")!.hub)).toBe(true);
  });

  it("an addCfb whose reply is lost is adopted on retry, never added twice", async () => {
    h = await harness({ type: "innovaphone-dnd" });
    const real = h.pbx.addCfb.bind(h.pbx);
    let calls = 0;
    h.pbx.addCfb = async (g, dest) => {
      calls++;
      const e = await real(g, dest);
      if (calls === 1) throw new Error("timeout: no reply");
      return e;
    };
    h.teams.userSet("t1", "Busy", "InACall");
    await settle(h);
    expect(h.pbx.usersByGuid.get("g1")!.cfb).toEqual([{ e164: "200" }]);
    expect(calls).toBe(1);
    expect(h.core.snapshot("e1")!.hub.cfb).toEqual({ e164: "200" });
    h.teams.userSet("t1", "Available", "Available");
    await expectNeutral(h);
  });

  it("a PBX offline for too long: its facts are stale and the Teams session is cleared; back → re-applied", async () => {
    h = await harness({ type: "innovaphone-dnd", core: { staleAfterMs: 100 } });
    h.pbx.call("g1", "connected");
    await settle(h);
    expect(h.teams.sessions.has("t1")).toBe(true);
    h.pbx.goOffline();
    await until(() => !h!.teams.sessions.has("t1"), 2000, "session cleared while the PBX is gone");
    h.pbx.goOnline();
    await until(() => h!.teams.sessions.has("t1"), 2000, "session back with fresh facts");
  });

  it("Teams offline for too long: the PBX presence mirrored from Teams is cleared; back → re-applied", async () => {
    h = await harness({ type: "innovaphone-dnd", core: { staleAfterMs: 100 } });
    h.teams.userSet("t1", "Busy", "InACall");
    await settle(h);
    expect(h.pbx.incomingCall("g1")).toBe("forwarded to 200");
    h.teams.goOffline();
    await until(() => h!.pbx.incomingCall("g1") === "rings", 2000, "PBX neutral while Teams is gone");
    expect(h.pbx.usersByGuid.get("g1")!.cfb).toEqual([]);
    h.teams.start();
    await until(() => h!.pbx.incomingCall("g1") === "forwarded to 200", 2000, "re-applied");
  });

  it("remapping an endpoint to another Teams user clears the session on the old one", async () => {
    h = await harness({ type: "innovaphone-dnd", users: 2 });
    h.pbx.call("g1", "connected");
    await settle(h);
    expect(h.teams.sessions.has("t1")).toBe(true);
    h.core.upsertEndpoint({ id: "e1", connectorId: "c1", pbxGuid: "g1", teamsUserId: "t2", enabled: true });
    await settle(h);
    expect(h.teams.sessions.has("t1")).toBe(false);
    expect(h.teams.sessions.has("t2")).toBe(true);
  });

  it("a rule swap is reconciled at once", async () => {
    const shipped = await shippedRules();
    const rules = new SwappableRules();
    rules.set(shipped.get("innovaphone-dnd")!);
    h = await harness({ type: "innovaphone-dnd", rules });
    h.teams.userSet("t1", "Busy", "InAMeeting");
    await settle(h);
    expect(h.pbx.hubSlot("g1")?.activity).toBe("dnd");
    // Same type id, new revision: meetings no longer count.
    const callsOnly = shipped.get("innovaphone-calls-only")!;
    rules.set({
      ...callsOnly,
      id: "innovaphone-dnd",
      revision: 2,
      decideTeamsToPbx: (t) => callsOnly.decideTeamsToPbx(t),
      decidePbxToTeams: (p) => callsOnly.decidePbxToTeams(p),
    });
    await settle(h);
    expect(h.pbx.hubSlot("g1")).toBeUndefined();
    expect(h.pbx.usersByGuid.get("g1")!.cfb).toEqual([]);
  });

  it("a disabled endpoint is neutral and a released one undoes within the timeout", async () => {
    h = await harness({ type: "innovaphone-dnd" });
    h.teams.userSet("t1", "Busy", "InACall");
    h.pbx.call("g1", "connected");
    await settle(h);
    const left = await h.core.release(["e1"], 2000);
    expect(left).toEqual([]);
    await expectNeutral(h);
    h.core.unrelease(["e1"]);
    await settle(h);
    expect(h.pbx.hubSlot("g1")?.activity).toBe("dnd");
    h.core.upsertEndpoint({ id: "e1", connectorId: "c1", pbxGuid: "g1", teamsUserId: "t1", enabled: false });
    await expectNeutral(h);
  });

  it("release gives up after the timeout when the PBX is unreachable and keeps the state for later", async () => {
    h = await harness({ type: "innovaphone-dnd" });
    h.teams.userSet("t1", "Busy", "InACall");
    await settle(h);
    h.pbx.goOffline();
    const t0 = Date.now();
    const left = await h.core.release(["e1"], 150);
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(left).toEqual(["e1"]);
    expect(h.persistence.map.get("e1")?.pbx?.activity).toBe("dnd");
    h.pbx.goOnline();
    await expectNeutral(h);
  });
});
