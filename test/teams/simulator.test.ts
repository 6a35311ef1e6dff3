// The Graph simulator's own behaviour that the connector tests do not cover: the HTTP control API, the
// virtual clock (session expiry, Available fading), calendar/OOF overlays, and endpoint throttling.
import Fastify from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHttpTransport, type HttpTransport } from "../../connectors/teams/http.js";
import type { GraphSimulator } from "../../connectors/teams/simulator/server.js";
import { signedInStore, sim, until } from "./helpers.js";

describe("Graph simulator", () => {
  let s: GraphSimulator;
  let t: HttpTransport;
  const ctl = async (method: string, path: string, body?: unknown) => {
    const r = await t.request({
      method,
      url: `${s.url}${path}`,
      headers: body ? { "content-type": "application/json" } : {},
      body: body ? JSON.stringify(body) : undefined,
    });
    return {
      status: r.status,
      body: r.headers["content-type"]?.includes("json") ? JSON.parse(r.body) : r.body,
    };
  };
  beforeAll(async () => {
    s = await sim();
    t = createHttpTransport({ caPem: s.caPem });
  });
  afterAll(async () => {
    t.close();
    await s.close();
  });

  it("drives users through the HTTP control API", async () => {
    await ctl("POST", "/_emulator/users", { users: [{ id: "a", upn: "a@x" }] });
    expect((await ctl("GET", "/_emulator/users/a")).body.presence).toMatchObject({
      availability: "Offline",
      activity: "Offline",
    });
    await ctl("POST", "/_emulator/users/a/client", { availability: "Available", activity: "Available" });
    await ctl("POST", "/_emulator/users/a/calendar", { inMeeting: true });
    expect((await ctl("GET", "/_emulator/users/a")).body.presence).toMatchObject({
      availability: "Busy",
      activity: "InAMeeting",
    });
    await ctl("POST", "/_emulator/users/a/calendar", { inMeeting: false, ooo: true, oooMessage: "away" });
    expect((await ctl("GET", "/_emulator/users/a")).body.presence).toMatchObject({
      activity: "OutOfOffice",
      outOfOfficeSettings: { isOutOfOffice: true, message: "away" },
    });
    await ctl("POST", "/_emulator/users/a/preferred", {
      availability: "DoNotDisturb",
      activity: "DoNotDisturb",
    });
    expect((await ctl("GET", "/_emulator/users/a")).body.presence).toMatchObject({
      availability: "DoNotDisturb",
    });
    await ctl("POST", "/_emulator/users/a/client", { signedOut: true });
    // Preferred presence needs a live session.
    expect((await ctl("GET", "/_emulator/users/a")).body.presence).toMatchObject({ availability: "Offline" });
    expect((await ctl("GET", "/_emulator/state")).body.users).toHaveLength(1);
    expect(
      (await ctl("POST", "/_emulator/faults", { match: "GET /v1.0/users", status: 503, times: 1 })).body.id,
    ).toBe(1);
    expect((await ctl("GET", "/_emulator/ca.pem")).status).toBe(200);
    await ctl("POST", "/_emulator/reset");
    expect((await ctl("GET", "/_emulator/state")).body.users).toHaveLength(0);
  });

  it("expires sessions and fades an Available app session on the virtual clock", async () => {
    s.addUsers([{ id: "b", upn: "b@x" }]);
    const u = s.users().find((x) => x.id === "b")!;
    const now = Date.now();
    u.sessions.set("app", {
      availability: "Available",
      activity: "Available",
      lastSetAt: now,
      expiresAt: now + 60 * 60_000,
    });
    s.advanceClock(0);
    expect(s.presence("b")).toMatchObject({ availability: "Available", activity: "Available" });
    s.advanceClock(5 * 60_000 + 1000);
    expect(s.presence("b")).toMatchObject({ availability: "Available", activity: "AvailableInactive" });
    s.advanceClock(5 * 60_000);
    expect(s.presence("b")).toMatchObject({ availability: "Away", activity: "Away" });
    s.advanceClock(60 * 60_000);
    expect(s.presence("b")).toMatchObject({ availability: "Offline", activity: "Offline" });
  });
});

describe("endpoint throttling", () => {
  it("delays notifications to an endpoint that answers slowly", async () => {
    const slow = Fastify();
    slow.post("/n", async (req, reply) => {
      const token = new URL(req.url, "http://x").searchParams.get("validationToken");
      if (token !== null) return reply.type("text/plain").send(token);
      await new Promise((r) => setTimeout(r, 60));
      return reply.code(202).send();
    });
    await slow.listen({ port: 0, host: "127.0.0.1" });
    const url = `http://127.0.0.1:${(slow.server.address() as { port: number }).port}/n`;
    const s = await sim({
      users: [{ id: "c", upn: "c@x", client: { availability: "Available", activity: "Available" } }],
      ackTimeoutMs: 30,
      endpointThrottling: { windowMs: 10_000, penaltyMs: 400, dropAfterMs: 2000, minSamples: 3 },
    });
    const store = await signedInStore(s);
    const t = createHttpTransport({ caPem: s.caPem });
    const { ServiceAccountTokenSource } = await import("../../connectors/teams/tokens.js");
    const { resolveTeamsConfig } = await import("../../connectors/teams/config.js");
    const { teamsConfig } = await import("./helpers.js");
    const token = await new ServiceAccountTokenSource(
      resolveTeamsConfig(teamsConfig(s)),
      t,
      (await store.load())[0]!,
      store,
    ).getToken();
    const res = await t.request({
      method: "POST",
      url: `${s.url}/v1.0/subscriptions`,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({
        changeType: "updated",
        resource: "communications/presences/c",
        notificationUrl: url,
        clientState: "x",
        expirationDateTime: new Date(Date.now() + 600_000).toISOString(),
      }),
    });
    expect(res.status).toBe(201);
    const pairs = ["Busy/InACall", "Away/Away", "Available/Available", "Busy/InACall"];
    for (const [i, p] of pairs.entries()) {
      const [availability, activity] = p.split("/") as [string, string];
      s.setClientPresence("c", { availability, activity });
      await until(
        () => s.deliveries().filter((d) => d.kind === "notification").length >= i + 1,
        3000,
        "delivery",
      );
    }
    const times = s
      .deliveries()
      .filter((d) => d.kind === "notification")
      .map((d) => Date.parse(d.at));
    // The fourth delivery waited for the 400 ms slow-endpoint penalty.
    expect(times[3]! - times[2]!).toBeGreaterThanOrEqual(300);
    t.close();
    await s.close();
    await slow.close();
  });
});
