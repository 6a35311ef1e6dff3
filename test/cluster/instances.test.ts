// Several hub processes (`presence-hub start`) on one PostgreSQL behind a round-robin load balancer, with
// the PBX and Graph simulators (issue 11). Asserted through the simulators and the API, as an operator
// would see it:
//   - one PBX login per connector while three instances run (sampled all along, also while two of them
//     start at the same moment: never two owners);
//   - any instance serves the API (sessions included), the Graph webhook and the live stream;
//   - SIGKILL of the owner: another instance owns the tenant within 30 s and every endpoint converges;
//   - SIGTERM of the owner with a peer alive: a caller dialling every 250 ms is always forwarded, and the
//     Teams session the hub set stays (no flicker);
//   - PostgreSQL stopped and started during a stream of changes: nothing lost or stuck afterwards.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RuleRegistry } from "../../engine/rules/registry.js";
import {
  CLIENT_PAIRS,
  converged,
  type Injected,
  prng,
  RULE_TYPE,
  until,
  type WorldUser,
} from "../faults/harness.js";
import { DEFAULT_HUB_CONTACT } from "../../connectors/innovaphone/config.js";
import { postgresSkipReason } from "../pg/cluster.js";
import { ADMIN_PASSWORD, API_TOKEN, anotherOwner, type ClusterWorld, ownerOf, startClusterWorld } from "./harness.js";
import { fileURLToPath } from "node:url";

const USERS = 24;
const RULES = fileURLToPath(new URL("../../rules", import.meta.url));
const skip = postgresSkipReason();

describe.skipIf(Boolean(skip))("several instances on PostgreSQL", () => {
  let cw: ClusterWorld;
  const registry = new RuleRegistry();
  const rs = () => registry.get(RULE_TYPE)!;
  let appId: string;
  /** Most PBX sessions seen open at once (the one connector: never more than one login). */
  let maxOpen = 0;
  let sampler: NodeJS.Timeout;
  const rnd = prng(0xc1a5);

  /** One random change on either side (a Teams client presence, or a PBX call starting or ending). */
  const step = (users: WorldUser[]) => {
    const u = users[Math.floor(rnd() * users.length)] as WorldUser;
    const inj = cw.world.injected.get(u.h323) as Injected;
    if (u.index % 2 === 0)
      cw.world.setClient(u, CLIENT_PAIRS[Math.floor(rnd() * CLIENT_PAIRS.length)] as never);
    else if (!inj.call) cw.world.startCall(u);
    else cw.world.endCall(u);
  };
  const stream = async (users: WorldUser[], n: number, everyMs = 20) => {
    for (let i = 0; i < n; i++) {
      step(users);
      await new Promise((r) => setTimeout(r, everyMs));
    }
  };

  beforeAll(async () => {
    await registry.load(RULES);
    cw = await startClusterWorld(USERS, "instances");
    appId = cw.world.graph.clientId;
    sampler = setInterval(() => {
      maxOpen = Math.max(maxOpen, cw.world.pbx.stats().open);
    }, 20);
    // Two instances started at the same moment, then configured through the load balancer.
    await Promise.all([cw.startNode("a"), cw.startNode("b")]);
    await cw.configure();
    await cw.startNode("c");
  }, 180_000);

  afterAll(async () => {
    clearInterval(sampler);
    await cw?.close();
  });

  it("one PBX login per connector; any instance serves the API with one session, the webhook and the live stream", async () => {
    await converged(cw.world, rs, appId, 30_000);
    expect(cw.world.pbx.stats().open).toBe(1);
    expect(maxOpen).toBe(1);
    const owner = await ownerOf(cw);
    expect(["a", "b", "c"]).toContain(owner);

    // One login, then every request through the round-robin balancer (every instance) with that session.
    const login = await fetch(`${cw.lb.url}/api/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "admin", password: ADMIN_PASSWORD }),
    });
    expect(login.status).toBe(200);
    const cookie = (login.headers.get("set-cookie") ?? "").split(";")[0] as string;
    for (let i = 0; i < 6; i++) {
      const r = await fetch(`${cw.lb.url}/api/connectors`, { headers: { cookie } });
      expect(r.status).toBe(200);
      const list = (await r.json()) as { status: { state: string } }[];
      expect(list.map((c) => c.status.state)).toEqual(["online"]);
      const e = await fetch(`${cw.lb.url}/api/endpoints?limit=5`, { headers: { cookie } });
      expect(((await e.json()) as { total: number }).total).toBe(USERS);
    }

    // Each instance's /metrics tells its own part: the owner runs the tenant, the others do not.
    for (const n of cw.nodes.values()) {
      const metrics = async () =>
        (await fetch(`${n.url}/metrics`, { headers: { authorization: `Bearer ${API_TOKEN}` } })).text();
      // As of each instance's last coordination round (one every 2.5 s).
      const m = await until("three instances seen", async () => {
        const t = await metrics();
        return t.includes('presence_hub_cluster_instances{stopping="false"} 3') ? t : undefined;
      }, 10_000, 200);
      expect(m).toContain("presence_hub_cluster_store_reachable 1");
      expect(m).toContain(`presence_hub_cluster_tenants{runs="here"} ${n.name === owner ? 1 : 0}`);
    }

    // A live stream on an instance that does not own the tenant sees the owner's events.
    const other = [...cw.nodes.values()].find((n) => n.name !== owner)!;
    const ac = new AbortController();
    const sse = await fetch(`${other.url}/api/events/stream`, { headers: { cookie }, signal: ac.signal });
    const reader = sse.body!.getReader();
    let text = "";
    const u = cw.world.users[1]!; // even index 2: Teams side
    const read = (async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        text += new TextDecoder().decode(value);
        if (text.includes(`"type":"endpoint"`) && text.includes(u.h323)) return;
      }
    })();
    // Peers relay only while someone watches; the stream's instance tells them at once (NOTIFY).
    await new Promise((r) => setTimeout(r, 1000));
    // Graph's notifications go to the balancer: most land on instances that do not own the tenant.
    cw.world.setClient(u, { availability: "Busy", activity: "InACall" });
    await Promise.race([read, new Promise((r) => setTimeout(r, 15_000))]);
    ac.abort();
    expect(text).toContain(u.h323);
    await converged(cw.world, rs, appId, 15_000);
  }, 120_000);

  it("SIGKILL of the owner: another instance owns the tenant within 30 s and every endpoint converges", async () => {
    await stream(cw.world.users, 40);
    const owner = (await ownerOf(cw)) as string;
    const t0 = Date.now();
    await cw.stopNode(owner, "SIGKILL");
    await stream(cw.world.users, 40); // changes while nobody owns the tenant
    const next = await anotherOwner(cw, owner, 30_000);
    const tookOver = Date.now() - t0;
    expect(tookOver).toBeLessThan(30_000);
    await converged(cw.world, rs, appId, 30_000);
    expect(cw.world.pbx.stats().open).toBe(1);
    expect(maxOpen).toBe(1);
    console.log(
      `failover: ${owner} killed → ${next} owner after ${tookOver} ms, converged after ${Date.now() - t0} ms`,
    );
    await cw.startNode(owner); // back to three instances
  }, 120_000);

  it("SIGTERM of the owner with a peer alive: no call rings through and the Teams session stays", async () => {
    await converged(cw.world, rs, appId, 30_000);
    const teamsCall = cw.world.users.find((u) => u.index % 2 === 0 && !u.ownCfb) as WorldUser;
    const pbxCall = cw.world.users.find((u) => u.index % 2 === 1) as WorldUser;
    cw.world.setClient(teamsCall, { availability: "Busy", activity: "InACall" });
    cw.world.startCall(pbxCall);
    await converged(cw.world, rs, appId, 20_000);
    const owner = (await ownerOf(cw)) as string;
    const results: string[] = [];
    const sessions: string[] = [];
    let dialling = true;
    const dialler = (async () => {
      while (dialling) {
        results.push(
          String((cw.world.pbx.dial(teamsCall.h323, { ring: false }) as { result: string }).result),
        );
        const g = cw.world.graph
          .users()
          .find((x) => x.id === pbxCall.teamsId)
          ?.sessions.get(appId);
        sessions.push(g ? g.availability : "none");
        // Far more often than the 250 ms the issue asks for: a hand-over that undoes and re-asserts takes
        // about 150 ms here, and this must see it (CLUSTER_UNDO=true makes this test fail).
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    await new Promise((r) => setTimeout(r, 1000));
    const code = await cw.stopNode(owner, "SIGTERM");
    expect(code).toBe(0);
    await anotherOwner(cw, owner, 15_000);
    await until("the new owner's PBX login", () => cw.world.pbx.stats().open === 1, 15_000);
    await new Promise((r) => setTimeout(r, 3000));
    dialling = false;
    await dialler;
    expect(results.length).toBeGreaterThan(100);
    expect(results.filter((r) => r !== "forwarded")).toEqual([]);
    expect(sessions.filter((s) => s !== "DoNotDisturb")).toEqual([]);
    expect(maxOpen).toBe(1);
    await converged(cw.world, rs, appId, 20_000);
    await cw.startNode(owner);
  }, 120_000);

  it("PostgreSQL stopped and started during a stream of changes: nothing lost or stuck", async () => {
    await stream(cw.world.users, 30);
    await cw.pg.stopServer();
    // Longer than a lease: every instance gives its tenants up (without undoing) and takes them back after.
    await stream(cw.world.users, 60, 200);
    // Every instance says so: 503, the store not ok (and it still answers).
    const h = await fetch(`${[...cw.nodes.values()][0]!.url}/api/health`, { headers: { authorization: `Bearer ${API_TOKEN}` } });
    expect(h.status).toBe(503);
    expect(((await h.json()) as { store: { ok: boolean } }).store.ok).toBe(false);
    await cw.pg.start();
    await stream(cw.world.users, 30);
    await converged(cw.world, rs, appId, 60_000);
    // Someone owns the tenant again (the view is as of each instance's last tick) and it keeps working.
    await until("an owner", async () => (await ownerOf(cw).catch(() => null)) ?? undefined, 15_000, 200);
    await stream(cw.world.users, 20);
    await converged(cw.world, rs, appId, 30_000);
    expect(maxOpen).toBe(1);
    // Every instance is still running (no crash loop).
    expect([...cw.nodes.values()].every((n) => n.child.exitCode === null)).toBe(true);
  }, 150_000);

  it("every instance stopped at the same moment: the hub's changes are undone (nobody leaves them to another)", async () => {
    const teamsCall = cw.world.users.find((u) => u.index % 2 === 0) as WorldUser;
    const pbxCall = cw.world.users.find(
      (u) => u.index % 2 === 1 && !cw.world.injected.get(u.h323)?.call,
    ) as WorldUser;
    cw.world.setClient(teamsCall, { availability: "Busy", activity: "InACall" });
    cw.world.startCall(pbxCall);
    await converged(cw.world, rs, appId, 20_000);
    const codes = await Promise.all([...cw.nodes.keys()].map((name) => cw.stopNode(name, "SIGTERM")));
    expect(codes.every((c) => c === 0)).toBe(true);
    const hubSlots = cw.world.users.filter((u) =>
      (cw.world.pbx.user(u.h323) as { presence: { contact: string; activity: string }[] }).presence.some(
        (p) => p.contact === DEFAULT_HUB_CONTACT && p.activity,
      ),
    );
    expect(hubSlots.map((u) => u.h323)).toEqual([]);
    expect(
      cw.world.graph
        .users()
        .filter((u) => u.sessions.has(appId))
        .map((u) => u.id),
    ).toEqual([]);
  }, 60_000);
});
