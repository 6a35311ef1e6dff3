// Basic (non-encrypted) notifications fall back to batched presence reads; expired access tokens (401) are
// renewed transparently; a revoked service account shows up in the status line while presence is polled.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTeamsAdapter, type TeamsConnector } from "../../connectors/teams/adapter.js";
import type { GraphSimulator } from "../../connectors/teams/simulator/server.js";
import { type Hub, hub, seedUsers, signedInStore, sim, teamsConfig, until } from "./helpers.js";

describe("basic notifications and token expiry", () => {
  let s: GraphSimulator;
  let h: Hub;
  let adapter: TeamsConnector;
  const seen: string[] = [];
  beforeAll(async () => {
    s = await sim({ users: seedUsers(30) });
    h = await hub();
    const store = await signedInStore(s);
    adapter = createTeamsAdapter(
      teamsConfig(s, {
        notificationUrl: `${h.url}/graph/notify`,
        richNotifications: false,
        pollIntervalMs: 60_000,
      }),
      {
        tokenStore: store,
      },
    );
    h.setHandler(adapter);
    adapter.on("presence", (id, p) => seen.push(`${id}:${p.activity}`));
    adapter.start();
    adapter.watch(s.users().map((u) => u.id));
    await until(() => adapter.subscriptionSummary()?.coveredUsers === 30, 10_000, "subscription");
  });
  afterAll(async () => {
    await adapter.stop();
    await h.close();
    await s.close();
  });

  it("subscribes without encryption and reads changed users in one batched call", async () => {
    expect(s.subscriptions()[0]).toMatchObject({ includeResourceData: false, encryptionCertificate: null });
    s.clearLogs();
    for (const id of ["u00001", "u00002", "u00003"])
      s.setClientPresence(id, { availability: "Busy", activity: "InACall" });
    await until(
      () => ["u00001", "u00002", "u00003"].every((id) => seen.includes(`${id}:InACall`)),
      5000,
      "reads",
    );
    const reads = s.requests().filter((r) => r.path.includes("getPresencesByUserId"));
    expect(reads.length).toBeGreaterThanOrEqual(1);
    expect(reads.length).toBeLessThanOrEqual(2);
    expect(adapter.webhookStats().basic).toBeGreaterThanOrEqual(3);
  });

  it("renews expired access tokens after a 401", async () => {
    s.expireTokens();
    s.clearLogs();
    await adapter.setPresence("u00004", { availability: "Busy", activity: "InACall" });
    expect(s.requests().map((r) => r.status)).toContain(401);
    expect(s.presence("u00004")).toMatchObject({ activity: "InACall" });
    await adapter.clearPresence("u00004");
  });
});

describe("revoked service account", () => {
  it("reports the problem and keeps the users polled", async () => {
    const s = await sim({ users: seedUsers(3) });
    const h = await hub();
    const store = await signedInStore(s);
    s.revokeServiceAccount(s.serviceAccounts[0]!.id);
    const adapter = createTeamsAdapter(
      teamsConfig(s, { notificationUrl: `${h.url}/graph/notify`, pollIntervalMs: 200, baseBackoffMs: 2000 }),
      {
        tokenStore: store,
      },
    );
    h.setHandler(adapter);
    const seen: string[] = [];
    adapter.on("presence", (id, p) => seen.push(`${id}:${p.activity}`));
    adapter.start();
    adapter.watch(["u00000"]);
    await until(
      () => /sign the service account in again|sign in again/i.test(adapter.status().reason),
      5000,
      "status names the problem",
    );
    expect(adapter.status().state).toBe("online");
    s.setClientPresence("u00000", { availability: "Away", activity: "Away" });
    await until(() => seen.includes("u00000:Away"), 5000, "polled");
    await adapter.stop();
    await h.close();
    await s.close();
  });
});

describe("webhook outage", () => {
  it("polls everyone while the notification URL is unreachable and reads all presence when it is back", async () => {
    const s = await sim({ users: seedUsers(4) });
    let h = await hub();
    const port = Number(new URL(h.url).port);
    const store = await signedInStore(s);
    const adapter = createTeamsAdapter(
      teamsConfig(s, {
        notificationUrl: `${h.url}/graph/notify`,
        pollIntervalMs: 150,
        webhookProbeIntervalMs: 150,
      }),
      { tokenStore: store },
    );
    h.setHandler(adapter);
    const seen: string[] = [];
    adapter.on("presence", (id, p) => seen.push(`${id}:${p.activity}`));
    adapter.start();
    adapter.watch(s.users().map((u) => u.id));
    await until(() => adapter.subscriptionSummary()?.coveredUsers === 4, 5000, "subscribed");
    await h.close();
    await until(
      () => /cannot reach its own notification URL/.test(adapter.status().reason),
      5000,
      "outage noticed",
    );
    s.setClientPresence("u00001", { availability: "Busy", activity: "InACall" });
    await until(() => seen.includes("u00001:InACall"), 5000, "polled during the outage");
    h = await hub(port);
    h.setHandler(adapter);
    await until(() => !/cannot reach/.test(adapter.status().reason), 5000, "outage over");
    expect(adapter.status().reason).toMatch(/Live notifications for 4 of 4/);
    s.setClientPresence("u00002", { availability: "Away", activity: "Away" });
    await until(() => seen.includes("u00002:Away"), 5000, "pushed again");
    expect(seen.filter((x) => x === "u00001:InACall")).toHaveLength(1);
    await adapter.stop();
    await h.close();
    await s.close();
  });
});
