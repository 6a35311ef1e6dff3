// Acceptance: with 2,000 simulated users and 4 service accounts the connector holds 4 subscriptions (≤ 650
// users each), renews them, and delivers every presence change made in the simulator exactly once and in
// order per user, over real sockets. Also: polling mode without a service account.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTeamsAdapter, type TeamsConnector } from "../../connectors/teams/adapter.js";
import type { GraphSimulator } from "../../connectors/teams/simulator/server.js";
import type { ConnectorStatus } from "../../engine/ports/adapters.js";
import { type Hub, hub, seedUsers, signedInStore, sim, teamsConfig, until } from "./helpers.js";

const CYCLE = [
  { availability: "Busy", activity: "InACall" },
  { availability: "DoNotDisturb", activity: "Presenting" },
  { availability: "Away", activity: "Away" },
  { availability: "Available", activity: "Available" },
];

describe("2,000 users through 4 service accounts", () => {
  let s: GraphSimulator;
  let h: Hub;
  let adapter: TeamsConnector;
  const got = new Map<string, string[]>();

  beforeAll(async () => {
    s = await sim({ users: seedUsers(2000), batchSize: 100 });
    h = await hub();
    const store = await signedInStore(s, 4);
    adapter = createTeamsAdapter(
      teamsConfig(s, {
        notificationUrl: `${h.url}/graph/notify`,
        pollIntervalMs: 60_000,
        subscriptionLifetimeMs: 3000,
        subscriptionRenewBeforeMs: 1500,
        subscriptionCheckIntervalMs: 60_000,
      }),
      { tokenStore: store },
    );
    h.setHandler(adapter);
    const synced = new Promise<void>((r) => adapter.on("synchronized", () => r()));
    adapter.start();
    adapter.watch(s.users().map((u) => u.id));
    await synced;
    await until(() => adapter.subscriptionSummary()?.coveredUsers === 2000, 20_000, "4 subscriptions");
    // Let the resync reads that follow each subscription creation settle before changes start.
    await new Promise((r) => setTimeout(r, 300));
    adapter.on("presence", (id, p) => {
      const list = got.get(id) ?? [];
      list.push(`${p.availability}/${p.activity}`);
      got.set(id, list);
    });
  }, 60_000);
  afterAll(async () => {
    await adapter.stop();
    await h.close();
    await s.close();
  });

  it("holds 4 subscriptions of ≤ 650 users and delivers every change exactly once, in order", async () => {
    const subs = s.subscriptions();
    expect(subs).toHaveLength(4);
    expect(subs.map((x) => x.userCount as number).sort((a, b) => a - b)).toEqual([50, 650, 650, 650]);
    expect(new Set(subs.map((x) => x.creatorId)).size).toBe(4);
    const ids = s.users().map((u) => u.id);
    const expected = new Map<string, string[]>();
    // Two rounds of changes for every user, in bursts, while renewals run underneath.
    for (let round = 0; round < 2; round++) {
      for (const [i, id] of ids.entries()) {
        const pair = CYCLE[(i + round) % CYCLE.length]!;
        s.setClientPresence(id, pair);
        const list = expected.get(id) ?? [];
        const v = `${pair.availability}/${pair.activity}`;
        // Setting the state a user already has is no change and yields no notification.
        if ((list.at(-1) ?? "Available/Available") !== v) list.push(v);
        expected.set(id, list);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    // Every user's final value differs from the seed, so each change is observable.
    const total = [...expected.values()].reduce((n, l) => n + l.length, 0);
    const count = () => [...got.values()].reduce((n, l) => n + l.length, 0);
    await until(() => count() >= total, 25_000, `${total} changes`).catch((e) => {
      throw new Error(
        `${e.message}: got ${count()}, stats ${JSON.stringify(adapter.webhookStats())}, queued ${JSON.stringify(s.subscriptions().map((x) => x.queued))}`,
      );
    });
    await new Promise((r) => setTimeout(r, 200));
    for (const id of ids) expect(got.get(id), id).toEqual(expected.get(id));
    expect(adapter.webhookStats().decryptFailed).toBe(0);
    // Renewals happened (PATCH) and the same 4 subscriptions are still there.
    expect(s.requests().filter((r) => r.method === "PATCH").length).toBeGreaterThanOrEqual(4);
    expect(
      s
        .subscriptions()
        .map((x) => x.id)
        .sort(),
    ).toEqual(subs.map((x) => x.id).sort());
  }, 60_000);
});

describe("polling mode", () => {
  it("polls getPresencesByUserId without a service account and reports it", async () => {
    const s = await sim({ users: seedUsers(5) });
    const adapter = createTeamsAdapter(teamsConfig(s, { pollIntervalMs: 200 }));
    const statuses: ConnectorStatus[] = [];
    const seen: string[] = [];
    adapter.on("status", (st) => statuses.push(st));
    adapter.on("presence", (id, p) => seen.push(`${id}:${p.activity}`));
    adapter.watch(["u00000", "u00001"]);
    adapter.start();
    await until(() => seen.length === 2, 5000, "initial read");
    expect(adapter.status()).toMatchObject({
      state: "online",
      reason: expect.stringContaining("Polling 2 users"),
    });
    s.setClientPresence("u00001", { availability: "Busy", activity: "InAMeeting" });
    await until(() => seen.includes("u00001:InAMeeting"), 5000, "polled change");
    adapter.watch(["u00000", "u00001", "u00002"]);
    await until(() => seen.includes("u00002:Available"), 5000, "newly watched user read");
    expect((await adapter.listUsers()).length).toBe(5);
    await adapter.setPresence("u00000", { availability: "Busy", activity: "InACall" });
    await until(() => seen.includes("u00000:InACall"), 5000, "own write observed");
    await adapter.clearPresence("u00000");
    await adapter.stop();
    expect(statuses.map((x) => x.state).filter((st, i, a) => st !== a[i - 1])).toEqual([
      "connecting",
      "online",
      "offline",
    ]);
    await s.close();
  });

  it("reports auth_failed with the reason for a wrong secret", async () => {
    const s = await sim();
    const adapter = createTeamsAdapter(teamsConfig(s, { clientSecret: "nope" }));
    adapter.start();
    await until(() => adapter.status().state === "auth_failed", 5000, "auth_failed");
    expect(adapter.status().reason).toMatch(/client secret is wrong/);
    expect(adapter.status().retryAt).toBeDefined();
    await adapter.stop();
    await s.close();
  });
});
