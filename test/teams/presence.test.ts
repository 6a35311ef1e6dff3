// Directory paging, presence reads in batches, setPresence/clearPresence with Teams' aggregation, the keep-alive
// refresh, rejected pairs, and throttling (429 Retry-After / 503) survived — all over real sockets.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { resolveTeamsConfig } from "../../connectors/teams/config.js";
import { listTenantUsers } from "../../connectors/teams/directory.js";
import { GraphClient } from "../../connectors/teams/graph-client.js";
import { createHttpTransport, type HttpTransport } from "../../connectors/teams/http.js";
import { parsePresence, PresenceLedger, readPresences } from "../../connectors/teams/presence-reader.js";
import { PresenceWriter } from "../../connectors/teams/presence-writer.js";
import { type AccessTokenSource, createAppTokenSource } from "../../connectors/teams/tokens.js";
import type { GraphSimulator } from "../../connectors/teams/simulator/server.js";
import { seedUsers, sim, teamsConfig, until } from "./helpers.js";

describe("directory and presence", () => {
  let s: GraphSimulator;
  let t: HttpTransport;
  let graph: GraphClient;
  let token: AccessTokenSource;
  let writer: PresenceWriter;
  beforeAll(async () => {
    s = await sim({ maxPageSize: 100, users: seedUsers(701) });
    const cfg = resolveTeamsConfig(
      teamsConfig(s, { presenceRefreshBeforeMs: 5 * 60_000 - 300, presenceExpiration: "PT5M" }),
    );
    t = createHttpTransport({ caPem: cfg.caPem });
    graph = new GraphClient(cfg, t);
    token = createAppTokenSource(cfg, t);
    writer = new PresenceWriter(cfg, graph, token);
  });
  afterEach(() => {
    s.clearFaults();
    s.clearLogs();
  });
  afterAll(async () => {
    writer.stop();
    t.close();
    await s.close();
  });

  it("lists the directory following @odata.nextLink", async () => {
    const users = await listTenantUsers(graph, token);
    expect(users).toHaveLength(701);
    expect(users[700]).toEqual({
      id: "u00700",
      displayName: "User 700",
      mail: "u700@contoso.example",
      userPrincipalName: "u700@contoso.example",
    });
    expect(s.requests().filter((r) => r.path.startsWith("/v1.0/users"))).toHaveLength(8);
  });

  it("reads presence in batches of at most 650 ids", async () => {
    const ids = s.users().map((u) => u.id);
    const list = await readPresences(graph, token, ids);
    expect(list).toHaveLength(701);
    expect(list[0]!.presence).toEqual({
      availability: "Available",
      activity: "Available",
      outOfOffice: false,
    });
    expect(s.requests().filter((r) => r.path === "/v1.0/communications/getPresencesByUserId")).toHaveLength(
      2,
    );
  });

  it("parses values case-insensitively and keeps unknown ones", () => {
    expect(parsePresence({ id: "x", availability: "busy", activity: "inACall" })!.presence).toEqual({
      availability: "Busy",
      activity: "InACall",
      outOfOffice: false,
    });
    expect(
      parsePresence({ id: "x", availability: "focusing", activity: "Whatever" })!.presence,
    ).toMatchObject({ availability: "focusing", activity: "Whatever" });
    const ledger = new PresenceLedger();
    const p = (seq: string, a: string) => ({
      userId: "x",
      sequenceNumber: seq,
      presence: { availability: a, activity: a, outOfOffice: false },
    });
    expect(ledger.accept(p("02", "Busy"))).toBe(true);
    expect(ledger.accept(p("01", "Away"))).toBe(false); // older
    expect(ledger.accept(p("02", "Busy"))).toBe(false); // duplicate
    expect(ledger.accept(p("03", "Away"))).toBe(true);
  });

  it("sets presence in its own session; Teams aggregates it with the client and the user's preference", async () => {
    const id = "u00001";
    await writer.set(id, { availability: "Busy", activity: "InACall" });
    expect(s.presence(id)).toMatchObject({ availability: "Busy", activity: "InACall" });
    // The user picks Available by hand: preferred beats every session.
    s.setPreferredPresence(id, { availability: "Available", activity: "Available" });
    expect(s.presence(id)).toMatchObject({ availability: "Available", activity: "Available" });
    s.setPreferredPresence(id, null);
    // DND/Presenting beats Busy.
    await writer.set(id, { availability: "DoNotDisturb", activity: "Presenting" });
    expect(s.presence(id)).toMatchObject({ availability: "DoNotDisturb", activity: "Presenting" });
    await writer.clear(id);
    expect(s.presence(id)).toMatchObject({ availability: "Available", activity: "Available" });
    // Clearing again: 404 from Graph counts as success.
    await writer.clear(id);
    expect(
      s
        .requests()
        .filter((r) => r.path.endsWith("/clearPresence"))
        .map((r) => r.status),
    ).toEqual([200, 404]);
    // Only session → Offline after clear.
    s.setClientPresence("u00002", null);
    await writer.set("u00002", { availability: "Busy", activity: "InAConferenceCall" });
    expect(s.presence("u00002")).toMatchObject({ availability: "Busy", activity: "InAConferenceCall" });
    await writer.clear("u00002");
    expect(s.presence("u00002")).toMatchObject({ availability: "Offline", activity: "Offline" });
  });

  it("rejects pairs setPresence does not accept, before calling Graph", async () => {
    await expect(writer.set("u00003", { availability: "Busy", activity: "Busy" })).rejects.toMatchObject({
      code: "VALIDATION",
    });
    expect(s.requests().filter((r) => r.path.endsWith("/setPresence"))).toHaveLength(0);
  });

  it("refreshes the session before it expires while the state is wanted", async () => {
    await writer.set("u00004", { availability: "Busy", activity: "InACall" });
    await until(
      () => s.requests().filter((r) => r.path.endsWith("/setPresence")).length >= 3,
      5000,
      "refreshes",
    );
    await writer.clear("u00004");
    const n = s.requests().filter((r) => r.path.endsWith("/setPresence")).length;
    await new Promise((r) => setTimeout(r, 500));
    expect(s.requests().filter((r) => r.path.endsWith("/setPresence")).length).toBe(n);
  });

  it("survives 429 with Retry-After and 503 without losing the write", async () => {
    s.addFault({
      match: "POST /v1.0/users/.*/presence/setPresence",
      times: 2,
      status: 429,
      headers: { "Retry-After": "1" },
    });
    s.addFault({ match: "POST /v1.0/communications/getPresencesByUserId", times: 2, status: 503 });
    const t0 = Date.now();
    await writer.set("u00005", { availability: "Busy", activity: "InACall" });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1900); // two Retry-After: 1 waits
    expect(s.presence("u00005")).toMatchObject({ activity: "InACall" });
    const list = await readPresences(graph, token, ["u00005"]);
    expect(list[0]!.presence.activity).toBe("InACall");
    const statuses = s.requests().map((r) => r.status);
    expect(statuses.filter((x) => x === 429)).toHaveLength(2);
    expect(statuses.filter((x) => x === 503)).toHaveLength(2);
    await writer.clear("u00005");
  });

  it("the simulator's automatic presence rate limit answers 429 with Retry-After", async () => {
    s.setPresenceRateLimit(2);
    await readPresences(graph, token, ["u00006"]);
    await readPresences(graph, token, ["u00006"]);
    const third = graph.request("POST", "/communications/getPresencesByUserId", {
      token,
      body: { ids: ["u00006"] },
      maxRetries: 0,
    });
    await expect(third).rejects.toMatchObject({ code: "THROTTLED" });
    s.setPresenceRateLimit(undefined);
    expect(s.requests().map((r) => r.status)).toEqual([200, 200, 429]);
  });
});
