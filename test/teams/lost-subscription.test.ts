// Graph subscriptions get lost silently ("every now and then", msgraph-presence.md §3.2): the hub checks each
// one with a GET at most every 60 s by default (was 5 min), and a lost one is recreated at the next check
// and the users' presence read back (changes in the gap were never notified). Short intervals here; the
// default is pinned separately, through the hub's settings mapping too.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTeamsAdapter, type TeamsConnector } from "../../connectors/teams/adapter.js";
import { resolveTeamsConfig } from "../../connectors/teams/config.js";
import type { GraphSimulator } from "../../connectors/teams/simulator/server.js";
import { TEAMS_DEFAULTS, toTeamsConfig } from "../../connectors/teams/settings.js";
import type { TeamsPresence } from "../../engine/presence.js";
import { type Hub, hub, seedUsers, signedInStore, sim, teamsConfig, until } from "./helpers.js";

const CHECK_MS = 1000;

it("checks every subscription at least once a minute by default, also as the hub configures it", () => {
  const fromHub = resolveTeamsConfig(
    toTeamsConfig({ ...TEAMS_DEFAULTS, tenantId: "t", clientId: "c", clientSecret: "s", webhookBaseUrl: "https://hub.example" }),
  );
  expect(fromHub.subscriptionCheckIntervalMs).toBeLessThanOrEqual(60_000);
  expect(fromHub.subscriptionCheckIntervalMs).toBeGreaterThan(0);
});

describe("a silently lost subscription", () => {
  let s: GraphSimulator;
  let h: Hub;
  let adapter: TeamsConnector;
  const events: Array<[string, TeamsPresence]> = [];

  beforeAll(async () => {
    s = await sim({ users: seedUsers(3) });
    h = await hub();
    adapter = createTeamsAdapter(
      teamsConfig(s, {
        notificationUrl: `${h.url}/graph/notify`,
        pollIntervalMs: 60_000,
        reconcileIntervalMs: 0,
        subscriptionCheckIntervalMs: CHECK_MS,
      }),
      { tokenStore: await signedInStore(s) },
    );
    h.setHandler(adapter);
    adapter.on("presence", (id, p) => events.push([id, p]));
    adapter.watch(s.users().map((u) => u.id));
    adapter.start();
    await until(() => adapter.subscriptionSummary()?.coveredUsers === 3, 10_000, "subscription");
  });
  afterAll(async () => {
    await adapter.stop();
    await h.close();
    await s.close();
  });

  it("costs one GET per check interval while nothing is wrong", async () => {
    s.clearLogs();
    await new Promise((r) => setTimeout(r, 3.5 * CHECK_MS));
    const subscriptionCalls = s.requests().filter((r) => r.path.startsWith("/v1.0/subscriptions"));
    expect(subscriptionCalls.every((r) => r.method === "GET" && r.status === 200)).toBe(true);
    expect(subscriptionCalls.length).toBeGreaterThanOrEqual(2);
    expect(subscriptionCalls.length).toBeLessThanOrEqual(4);
  });

  it("is recreated within one check interval, the gap is read back, and notifications flow again", async () => {
    const lost = String(s.subscriptions()[0]!.id);
    const lostAt = Date.now();
    s.loseSubscription(lost);
    s.setClientPresence("u00001", { availability: "Away", activity: "Away" }); // nobody is told
    await until(() => s.subscriptions()[0]?.id !== undefined && s.subscriptions()[0]!.id !== lost, 3 * CHECK_MS, "recreation");
    expect(Date.now() - lostAt).toBeLessThan(CHECK_MS + 1000);
    await until(() => events.some(([id, p]) => id === "u00001" && p.activity === "Away"), 3000, "the gap read back");
    await until(() => adapter.subscriptionSummary()?.coveredUsers === 3, 3000, "covered again");
    const accepted = adapter.webhookStats().accepted;
    s.setClientPresence("u00002", { availability: "Busy", activity: "InACall" });
    await until(() => events.some(([id, p]) => id === "u00002" && p.activity === "InACall"), 3000, "a notification");
    expect(adapter.webhookStats().accepted).toBe(accepted + 1);
  });
});
