// The innovaphone PbxAdapter end to end against the simulator over real sockets: replication with live
// changes, presence subscribe/set, CFB fallback, RCC call state, and the supervisor under faults.
import { afterEach, describe, expect, it } from "vitest";
import { logger } from "../../common/log.js";
import { createInnovaphoneAdapter } from "../../connectors/innovaphone/adapter.js";
import type { InnovaphoneConfig } from "../../connectors/innovaphone/config.js";
import { type PbxSimulator, startPbxSimulator } from "../../connectors/innovaphone/simulator/server.js";
import type { PbxSimulatorOptions } from "../../connectors/innovaphone/simulator/types.js";
import { backoffDelay } from "../../common/backoff.js";
import type { ConnectorStatus, PbxAdapter, PbxPresenceItem } from "../../engine/ports/adapters.js";
import type { PbxCallState } from "../../engine/presence.js";
import { makeUsers, waitFor } from "./helpers.js";

let sim: PbxSimulator | undefined;
let adapter: (PbxAdapter & { connectAttempts: number }) | undefined;
afterEach(async () => {
  await adapter?.stop();
  adapter = undefined;
  await sim?.close();
  sim = undefined;
});

interface Recorder {
  statuses: ConnectorStatus[];
  presence: Map<string, PbxPresenceItem[]>;
  calls: Array<[string, PbxCallState]>;
  removed: string[];
  synchronized: number;
}

async function setup(simOptions: PbxSimulatorOptions, over: Partial<InnovaphoneConfig> = {}) {
  sim = await startPbxSimulator(simOptions);
  const config: InnovaphoneConfig = {
    server: "127.0.0.1",
    port: sim.port,
    protocol: "ws",
    username: "presence-hub",
    password: "secret",
    requestTimeoutMs: 1000,
    connectTimeoutMs: 1000,
    pingIntervalMs: 100,
    deadAfterMs: 400,
    ...over,
  };
  adapter = createInnovaphoneAdapter(config, { backoff: { baseMs: 50, capMs: 200, stableMs: 500 } });
  const rec: Recorder = { statuses: [], presence: new Map(), calls: [], removed: [], synchronized: 0 };
  adapter.on("status", (s) => rec.statuses.push(s));
  adapter.on("presence", (g, items) => rec.presence.set(g, items));
  adapter.on("callState", (g, s) => rec.calls.push([g, s]));
  adapter.on("userRemoved", (g) => rec.removed.push(g));
  adapter.on("synchronized", () => rec.synchronized++);
  return { sim, adapter, rec };
}

const G = (i: number) => i.toString(16).padStart(32, "0");

describe("innovaphone adapter", () => {
  it("replicates many users, then follows live add/update/delete", async () => {
    const { sim, adapter, rec } = await setup({
      users: makeUsers(300, (i) => (i === 7 ? { cfpr: null, tCfpr: true } : {})),
    });
    adapter.start();
    await waitFor(() => rec.synchronized === 1);
    expect(adapter.status().state).toBe("online");
    expect(adapter.users()).toHaveLength(300);
    const u7 = adapter.users().find((u) => u.guid === G(7))!;
    expect(u7).toMatchObject({
      h323: "user7",
      cn: "User 7",
      e164: "1007",
      emails: ["user7@example.com"],
      cfpr: true,
    });
    sim.addUser({ h323: "newbie", guid: "f".repeat(32), cn: "New Bie" });
    await waitFor(() => adapter.users().some((u) => u.h323 === "newbie"));
    sim.updateUser("user3", { cn: "Renamed", cfpr: false });
    await waitFor(() => adapter.users().find((u) => u.guid === G(3))?.cn === "Renamed");
    expect(adapter.users().find((u) => u.guid === G(3))?.cfpr).toBe(false);
    sim.deleteUser("user4");
    await waitFor(() => rec.removed.includes(G(4)));
    expect(adapter.users()).toHaveLength(300);
  });

  it("subscribes watched users and sets presence on the hub's own contact slot (newest first, routed by src)", async () => {
    const { sim, adapter, rec } = await setup({ users: makeUsers(5) });
    adapter.watch([G(1), G(2)]);
    adapter.start();
    await waitFor(() => rec.synchronized === 1);
    await waitFor(() => rec.presence.has(G(1)) && rec.presence.has(G(2)));
    expect(adapter.hubContact).toBe("presence-hub:");
    sim.setOwnPresence("user1", "away", "lunch");
    await adapter.setPresence(G(1), "dnd", "In a Teams call");
    await waitFor(() => rec.presence.get(G(1))?.length === 2);
    expect(rec.presence.get(G(1))).toEqual([
      { contact: "presence-hub:", status: "open", activity: "dnd", note: "In a Teams call" },
      { contact: "tel:", status: "open", activity: "away", note: "lunch" },
    ]);
    expect(rec.presence.get(G(2))).toEqual([]); // other user's update not mixed in
    expect(sim.dial("user1", { ring: false }).result).toBe("rings"); // no CFB yet
    // watching a third user later subscribes it on the live connection
    adapter.watch([G(1), G(3)]);
    sim.setOwnPresence("user3", "busy");
    await waitFor(() => rec.presence.get(G(3))?.[0]?.activity === "busy");
    await adapter.setPresence(G(1), "", "");
    await waitFor(() => rec.presence.get(G(1))?.[0]?.activity === "");
  });

  it("adds and removes exactly its own CFB entry; the user's own entries stay untouched", async () => {
    const own = [
      { type: "cfb" as const, e164: "200", bool: "Business hours", boolNot: true },
      { type: "cfu" as const, h323: "voicemail", precedence: true },
    ];
    const { sim, adapter, rec } = await setup({
      users: [
        { guid: G(1), h323: "alice", cfpr: true, cds: own },
        { guid: G(2), h323: "bob", cfpr: true },
      ],
    });
    adapter.start();
    await waitFor(() => rec.synchronized === 1);
    const entry = await adapter.addCfb(G(2), "300");
    expect(entry).toEqual({ e164: "300" });
    await waitFor(() => adapter.users().find((u) => u.guid === G(2))?.cfb.length === 1);
    sim.setOwnPresence("bob", "busy");
    expect(sim.dial("bob", { ring: false })).toMatchObject({ result: "forwarded", destination: "300" });
    // A retry after a lost reply adopts the entry the PBX already has instead of adding a second one.
    expect(await adapter.addCfb(G(2), "300", { adoptExisting: true })).toEqual(entry);
    expect(sim.model.get("bob").cds).toHaveLength(1);
    expect(await adapter.removeCfb(G(2), entry)).toBe(true);
    expect(sim.model.get("bob").cds).toEqual([]);
    expect(await adapter.removeCfb(G(2), entry)).toBe(false);

    // alice: add a look-alike destination next to her own Boolean-bound 200, then remove only ours
    const e2 = await adapter.addCfb(G(1), "200");
    expect(sim.model.get("alice").cds).toHaveLength(3);
    expect(await adapter.removeCfb(G(1), e2)).toBe(true);
    expect(sim.model.get("alice").cds).toEqual(own);
  });

  it("reports RCC call state per user", async () => {
    const { sim, adapter, rec } = await setup({ users: makeUsers(3) });
    adapter.start();
    await waitFor(() => rec.synchronized === 1);
    const call = sim.startCall("user2");
    await waitFor(() => rec.calls.some(([g, s]) => g === G(2) && s === "alerting"));
    sim.answerCall(call);
    await waitFor(() => rec.calls.some(([g, s]) => g === G(2) && s === "connected"));
    sim.holdCall(call);
    await waitFor(() => rec.calls.some(([g, s]) => g === G(2) && s === "held"));
    sim.endCall(call);
    await waitFor(() => rec.calls.at(-1)?.[1] === "idle");
    expect(rec.calls.map(([, s]) => s)).toEqual(["alerting", "connected", "held", "idle"]);
  });

  it("reconnects after a drop, resubscribes, synchronizes again and loses nothing", async () => {
    const { sim, adapter, rec } = await setup({ users: makeUsers(50) });
    adapter.watch([G(1)]);
    adapter.start();
    await waitFor(() => rec.synchronized === 1);
    const call = sim.startCall("user5");
    await waitFor(() => rec.calls.some(([g]) => g === G(5)));
    // drop in the middle of an operation
    sim.setFaults({ delayMs: 100 });
    const inflight = adapter.setPresence(G(1), "busy", "").catch((e) => e);
    sim.dropAll();
    expect((await inflight).code).toBe("CONNECTION_CLOSED");
    sim.setFaults({ delayMs: 0 });
    // changes while offline
    sim.deleteUser("user9");
    sim.addUser({ h323: "late", guid: "e".repeat(32) });
    sim.endCall(call);
    await waitFor(() => rec.synchronized === 2, 5000);
    expect(rec.statuses.map((s) => s.state)).toContain("backoff");
    expect(adapter.status().state).toBe("online");
    expect(rec.removed).toContain(G(9));
    expect(adapter.users().some((u) => u.h323 === "late")).toBe(true);
    expect(rec.calls.at(-1)).toEqual([G(5), "idle"]);
    // the subscription is live again
    sim.setOwnPresence("user1", "away");
    await waitFor(() => rec.presence.get(G(1))?.[0]?.activity === "away");
    await adapter.setPresence(G(1), "busy", "");
    await waitFor(() => rec.presence.get(G(1))?.[0]?.activity === "busy");
  });

  it("stops at auth_failed on bad credentials without a retry storm", async () => {
    const { sim, adapter, rec } = await setup({ users: makeUsers(1) }, { password: "wrong" });
    adapter.start();
    await waitFor(() => adapter.status().state === "auth_failed");
    await new Promise((r) => setTimeout(r, 500));
    expect(sim.stats().loginFailures).toBe(1);
    expect(adapter.connectAttempts).toBe(1);
    expect(adapter.status().reason).toMatch(/wrong app object name or password/);
    expect(rec.synchronized).toBe(0);
  });

  it("detects a silent PBX and reconnects when it answers again", async () => {
    const { sim, adapter, rec } = await setup({ users: makeUsers(2) });
    adapter.start();
    await waitFor(() => rec.synchronized === 1);
    sim.setFaults({ dropReplies: true });
    await waitFor(() => adapter.status().state !== "online", 3000);
    expect(adapter.status().reason).toMatch(/did not answer|Connection lost|not answer/);
    sim.setFaults({ dropReplies: false });
    await waitFor(() => rec.synchronized === 2, 5000);
    expect(adapter.status().state).toBe("online");
  });

  it("survives malformed frames", async () => {
    const { sim, adapter, rec } = await setup({ users: makeUsers(2) });
    adapter.watch([G(0)]);
    adapter.start();
    await waitFor(() => rec.synchronized === 1);
    sim.sendRaw("}{ garbage");
    sim.sendRaw('{"no":"mt"}');
    sim.setOwnPresence("user0", "dnd");
    await waitFor(() => rec.presence.get(G(0))?.[0]?.activity === "dnd");
    expect(adapter.status().state).toBe("online");
    expect(rec.synchronized).toBe(1);
  });

  it("goes online degraded without RCC and rejects CFB writes without Admin", async () => {
    const { adapter, rec } = await setup(
      {
        users: makeUsers(2),
        apps: [{ name: "presence-hub", password: "secret", apis: ["PbxApi", "PbxTableUsers"] }],
      },
      { requestTimeoutMs: 300 },
    );
    adapter.start();
    await waitFor(() => rec.synchronized === 1, 3000);
    expect(adapter.status().reason).toMatch(/RCC not available/);
    expect(adapter.status().reason).toMatch(/Admin access missing/);
    expect(adapter.cfbWritable()).toBe(false);
    await expect(adapter.addCfb(G(0), "200")).rejects.toMatchObject({ code: "TIMEOUT" });
  });

  it("full-jitter backoff stays within 1 s → 60 s", () => {
    expect(backoffDelay(0, { random: () => 0.999 })).toBeLessThanOrEqual(1000);
    expect(backoffDelay(3, { random: () => 0.999 })).toBeLessThanOrEqual(8000);
    expect(backoffDelay(20, { random: () => 0.999 })).toBeLessThanOrEqual(60_000);
    expect(backoffDelay(20, { random: () => 0.999 })).toBeGreaterThan(59_000);
    expect(backoffDelay(5, { random: () => 0 })).toBe(50);
  });
});

describe("innovaphone adapter under faults", () => {
  it("recovers from a drop in the middle of the initial replication", async () => {
    const { sim, adapter, rec } = await setup({ users: makeUsers(1500) });
    let dropped = false;
    adapter.on("user", () => {
      if (!dropped && adapter.users().length === 200) {
        dropped = true;
        sim.dropAll();
      }
    });
    adapter.start();
    await waitFor(() => rec.synchronized === 1, 8000);
    expect(dropped).toBe(true);
    expect(adapter.users()).toHaveLength(1500);
    expect(sim.stats().logins).toBe(2);
  });

  it("shows state error when TableUsers is not enabled and sends KeepAlive when idle", async () => {
    const { sim, adapter } = await setup(
      { users: makeUsers(1), apps: [{ name: "presence-hub", password: "secret", apis: ["PbxApi"] }] },
      { requestTimeoutMs: 200, keepAliveIntervalMs: 100, pingIntervalMs: 50 },
    );
    adapter.start();
    await waitFor(() => adapter.status().state === "error", 3000);
    expect(adapter.status().reason).toMatch(/TableUsers/);
    await waitFor(() => sim.log().some((e) => typeof e.msg === "object" && e.msg.mt === "KeepAlive"), 3000);
  });

  it("reports a configuration error without connecting", async () => {
    const { sim, adapter } = await setup({}, { port: 0 });
    adapter.start();
    expect(adapter.status()).toMatchObject({ state: "error", reason: expect.stringMatching(/port/) });
    expect(sim.stats().connections).toBe(0);
  });
});

describe("innovaphone adapter with the flat admin cds shape", () => {
  it("adds and removes its CFB entry when GetObject returns flat entries", async () => {
    const own = { type: "cfb" as const, e164: "999", filter: '<src type="do"><ep e164="0"/></src>' };
    const { sim, adapter, rec } = await setup({
      adminCdsShape: "flat",
      users: [{ guid: G(1), h323: "x", cds: [own] }],
    });
    adapter.start();
    await waitFor(() => rec.synchronized === 1);
    const e = await adapter.addCfb(G(1), "vm-box");
    expect(e).toEqual({ h323: "vm-box" });
    expect(sim.model.get("x").cds).toEqual([own, { type: "cfb", h323: "vm-box" }]);
    expect(await adapter.removeCfb(G(1), e)).toBe(true);
    expect(sim.model.get("x").cds).toEqual([own]);
  });
});

describe("innovaphone adapter subscriptions", () => {
  it("unsubscribes users no longer watched and re-subscribes a renamed user", async () => {
    const { sim, adapter, rec } = await setup({ users: makeUsers(3) });
    adapter.watch([G(0), G(1)]);
    adapter.start();
    await waitFor(() => rec.synchronized === 1);
    adapter.watch([G(0)]);
    await waitFor(() =>
      sim.log().some((e) => typeof e.msg === "object" && e.msg.mt === "UnsubscribePresence"),
    );
    sim.updateUser("user0", { h323: "user0-renamed" });
    await waitFor(() =>
      sim
        .log()
        .some(
          (e) =>
            typeof e.msg === "object" && e.msg.mt === "SubscribePresence" && e.msg.sip === "user0-renamed",
        ),
    );
    sim.setOwnPresence("user0-renamed", "busy");
    await waitFor(() => rec.presence.get(G(0))?.[0]?.activity === "busy");
  });
});

describe("innovaphoneModule", () => {
  it("accepts the hub's connector config shape (empty module path and CA mean defaults)", async () => {
    const { innovaphoneModule } = await import("../../connectors/innovaphone/index.js");
    sim = await startPbxSimulator({ users: makeUsers(2) });
    const config = {
      server: "127.0.0.1",
      port: sim.port,
      protocol: "ws" as const,
      username: "presence-hub",
      password: "secret",
      defaultDestination: "200",
      modulePath: "",
      tls: { ca: "", insecure: false },
    };
    const result = await innovaphoneModule.test(config);
    expect(result.ok).toBe(true);
    const created = innovaphoneModule.create(config, { connectorId: "c1", log: logger("innovaphone") });
    adapter = created as typeof adapter;
    const synced = new Promise<void>((r) => created.on("synchronized", r));
    created.start();
    await synced;
    expect(created.users()).toHaveLength(2);
  });
});
