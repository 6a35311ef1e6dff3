// The Teams adapter's start sequence under the shared supervisor (common/supervisor.ts), against the Graph
// simulator: a refused sign-in keeps being retried slowly at the cap (so a corrected or propagated secret is
// picked up), transient failures back off within the cap and recover, a stop during a backoff ends cleanly,
// and reloadServiceAccounts starts a new session.
import { describe, expect, it } from "vitest";
import { createTeamsAdapter } from "../../connectors/teams/adapter.js";
import type { ConnectorStatus } from "../../engine/ports/adapters.js";
import { hub, seedUsers, signedInStore, sim, teamsConfig, until } from "./helpers.js";

const TOKEN = "POST /[^/]+/oauth2/v2.0/token";
const READ = "POST /v1.0/communications/getPresencesByUserId";
const waitOf = (s: ConnectorStatus) => Date.parse(s.retryAt!) - Date.parse(s.since);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The secret Entra ID refuses until it has propagated: the token endpoint's answer for a wrong one. */
const refusedSecret = {
  error: "invalid_client",
  error_description: "AADSTS7000215: Invalid client secret provided.",
  error_codes: [7000215],
};

describe("Teams adapter lifecycle (shared supervisor)", () => {
  it("keeps retrying a refused sign-in slowly, at the cap, and picks the secret up once it works", async () => {
    const s = await sim({ users: seedUsers(2) });
    s.addFault({ match: TOKEN, status: 401, body: refusedSecret, times: 2 });
    // cap 300 ms → the slow auth retry waits max(cap, 1 s) = 1 s, without jitter
    const adapter = createTeamsAdapter(teamsConfig(s, { baseBackoffMs: 20, maxBackoffMs: 300 }));
    const statuses: ConnectorStatus[] = [];
    adapter.on("status", (st) => statuses.push(st));
    let synchronized = 0;
    adapter.on("synchronized", () => synchronized++);
    adapter.start();
    await until(() => adapter.status().state === "auth_failed", 5000, "auth_failed");
    expect(adapter.status().reason).toMatch(/^Microsoft 365 sign-in failed: The client secret is wrong/);
    expect(adapter.status().reason).not.toMatch(/retrying in/);
    await until(() => adapter.status().state === "online", 5000, "online after the secret works");
    expect(synchronized).toBe(1);
    const failed = statuses.filter((st) => st.state === "auth_failed");
    expect(failed).toHaveLength(2);
    for (const f of failed) {
      expect(waitOf(f)).toBeGreaterThanOrEqual(990);
      expect(waitOf(f)).toBeLessThanOrEqual(1000);
    }
    expect(statuses.map((st) => st.state)).toEqual([
      "connecting",
      "auth_failed",
      "connecting",
      "auth_failed",
      "connecting",
      "online",
    ]);
    await adapter.stop();
    await s.close();
  });

  it("backs off transient failures within the cap and goes online when they stop", async () => {
    const s = await sim({ users: seedUsers(2) });
    s.addFault({ match: READ, status: 503, times: 3 });
    const adapter = createTeamsAdapter(
      teamsConfig(s, { baseBackoffMs: 50, maxBackoffMs: 150, maxRetries: 0, pollIntervalMs: 60_000 }),
    );
    const statuses: ConnectorStatus[] = [];
    adapter.on("status", (st) => statuses.push(st));
    adapter.watch(["u00000", "u00001"]);
    adapter.start();
    await until(() => adapter.status().state === "online", 5000, "online");
    const backoffs = statuses.filter((st) => st.state === "backoff");
    expect(backoffs).toHaveLength(3);
    expect(backoffs[0]!.reason).toMatch(/^Microsoft 365 request failed: Microsoft Graph answered 503/);
    for (const b of backoffs) expect(waitOf(b)).toBeLessThanOrEqual(150);
    expect(adapter.status().reason).toMatch(/^Polling 2 users every 60 s/);
    await adapter.stop();
    await s.close();
  });

  it("ends cleanly when stopped during a backoff: no further attempt, offline last", async () => {
    const s = await sim({ users: seedUsers(1) });
    s.addFault({ match: READ, status: 503 });
    const adapter = createTeamsAdapter(
      teamsConfig(s, { baseBackoffMs: 10_000, maxBackoffMs: 60_000, maxRetries: 0 }),
    );
    const statuses: ConnectorStatus[] = [];
    adapter.on("status", (st) => statuses.push(st));
    adapter.watch(["u00000"]);
    adapter.start();
    await until(() => adapter.status().state === "backoff", 5000, "backoff");
    const reads = () => s.requests().filter((r) => r.path.includes("getPresencesByUserId")).length;
    const before = reads();
    const t0 = Date.now();
    await adapter.stop();
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(adapter.status()).toMatchObject({ state: "offline", reason: "Stopped" });
    await sleep(200);
    expect(reads()).toBe(before);
    expect(statuses.at(-1)!.state).toBe("offline");
    await s.close();
  });

  it("reloadServiceAccounts ends the session (subscription deleted) and starts a new one", async () => {
    const s = await sim({ users: seedUsers(2) });
    const h = await hub();
    const store = await signedInStore(s);
    const adapter = createTeamsAdapter(teamsConfig(s, { notificationUrl: `${h.url}/graph/notify` }), {
      tokenStore: store,
    });
    h.setHandler(adapter);
    const statuses: ConnectorStatus[] = [];
    adapter.on("status", (st) => statuses.push(st));
    let synchronized = 0;
    adapter.on("synchronized", () => synchronized++);
    adapter.watch(["u00000", "u00001"]);
    adapter.start();
    await until(() => adapter.subscriptionSummary()?.coveredUsers === 2, 10_000, "first subscription");
    const first = s.subscriptions().map((x) => x.id);
    expect(first).toHaveLength(1);
    await adapter.reloadServiceAccounts();
    // resolved once the old session is closed: its subscription is gone before the new one is created
    expect(s.subscriptions().map((x) => x.id)).not.toContain(first[0]);
    await until(() => adapter.subscriptionSummary()?.coveredUsers === 2, 10_000, "second subscription");
    expect(synchronized).toBe(2);
    expect(s.subscriptions()).toHaveLength(1);
    expect(adapter.status()).toMatchObject({ state: "online" });
    expect(adapter.status().reason).toMatch(/Live notifications for 2 of 2 users through 1 subscription(;|$)/);
    expect(statuses.map((st) => st.state).filter((st, i, a) => st !== a[i - 1])).toEqual([
      "connecting",
      "online",
      "connecting",
      "online",
    ]);
    await adapter.stop();
    // not started: a reload does nothing
    await adapter.reloadServiceAccounts();
    expect(adapter.status().state).toBe("offline");
    await h.close();
    await s.close();
  });
});
