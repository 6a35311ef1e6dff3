// GET /api/events filters (issue 12 item 10): kind (exact kinds or families, comma-separated), level (a
// minimum), together with endpointId, connectorId, beforeId paging and limit — in the SQLite store, in
// the in-memory matcher the UI's live filter mirrors, and over HTTP with the names of endpoint and
// connector on each event (list and SSE stream).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../../server/app.js";
import { hashPassword } from "../../server/auth/password.js";
import { eventMatches } from "../../server/hub/events.js";
import type { HubEvent, HubEventKind, HubEventLevel } from "../../server/hub/types.js";
import { openSqliteStore, type SqliteStore } from "../../server/store/sqlite.js";
import { createFakeHub, type FakeHub } from "./fake-hub.js";

const KINDS: HubEventKind[] = ["decision.teamsToPbx", "decision.pbxToTeams", "write.pbx", "write.failed", "connector.status", "undo"];
const LEVELS: HubEventLevel[] = ["debug", "info", "warn", "error"];

describe("event store filters", () => {
  let dir: string;
  let store: SqliteStore;
  let all: HubEvent[];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "ph-events-"));
    store = openSqliteStore({ dataDir: dir, secretKey: Buffer.alloc(32, 7).toString("base64") });
    await store.appendEvents(
      Array.from({ length: 240 }, (_, i) => ({
        kind: KINDS[i % KINDS.length],
        level: LEVELS[i % LEVELS.length],
        endpointId: i % 5 === 0 ? "e1" : `e${i % 7}`,
        connectorId: i % 2 ? "c1" : "c2",
        message: `m${i}`,
      })),
    );
    all = await store.listEvents({ limit: 1000 });
  });
  afterAll(() => {
    store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The store's answer equals filtering everything in memory with eventMatches (the same meaning). */
  const same = async (q: Parameters<typeof eventMatches>[1] & { limit?: number; beforeId?: number }) => {
    const got = await store.listEvents({
      endpointId: q.endpointId,
      connectorId: q.connectorId,
      kinds: q.kind?.split(","),
      levels: q.level ? LEVELS.slice(LEVELS.indexOf(q.level)) : undefined,
      beforeId: q.beforeId,
      limit: q.limit ?? 1000,
    });
    const want = all.filter((e) => eventMatches(e, q) && (q.beforeId === undefined || e.id < q.beforeId)).slice(0, q.limit ?? 1000);
    expect(got.map((e) => e.id)).toEqual(want.map((e) => e.id));
    return got;
  };

  it("a family matches every kind under it; an exact kind only itself", async () => {
    const decisions = await same({ kind: "decision" });
    expect(decisions.length).toBe(80);
    expect(new Set(decisions.map((e) => e.kind))).toEqual(new Set(["decision.teamsToPbx", "decision.pbxToTeams"]));
    expect((await same({ kind: "write.pbx" })).every((e) => e.kind === "write.pbx")).toBe(true);
    expect((await same({ kind: "undo" })).length).toBe(40);
    expect((await same({ kind: "write.pbx,undo" })).length).toBe(80);
    expect((await same({ kind: "decision.teams" })).length).toBe(0); // no prefix matching inside a word
  });

  it("level is a minimum", async () => {
    expect(new Set((await same({ level: "warn" })).map((e) => e.level))).toEqual(new Set(["warn", "error"]));
    expect((await same({ level: "error" })).every((e) => e.level === "error")).toBe(true);
    expect((await same({ level: "debug" })).length).toBe(240);
  });

  it("filters combine with endpoint, connector and paging", async () => {
    const first = await same({ kind: "decision,write", level: "info", connectorId: "c1", limit: 10 });
    expect(first.length).toBe(10);
    const next = await same({ kind: "decision,write", level: "info", connectorId: "c1", limit: 10, beforeId: first[9].id });
    expect(next[0].id).toBeLessThan(first[9].id);
    await same({ endpointId: "e1", level: "warn" });
    await same({ endpointId: "e1", kind: "write", connectorId: "c2", beforeId: all[50].id, limit: 3 });
  });
});

describe("GET /api/events", () => {
  const TOKEN = "test-token-0123456789abcdefghij";
  let app: FastifyInstance;
  let hub: FakeHub;
  const get = (url: string) => app.inject({ method: "GET", url, headers: { authorization: `Bearer ${TOKEN}` } });

  beforeAll(async () => {
    hub = createFakeHub({ users: 5 });
    app = await buildApp({
      hub,
      admin: { user: "admin", passwordHash: await hashPassword("pw") },
      apiToken: TOKEN,
      publicBaseUrl: "http://127.0.0.1",
    });
    const c = await hub.connectors.create({ type: "innovaphone-dnd", name: "Berlin" } as never);
    hub.record("decision.teamsToPbx", "Teams Busy/InACall → dnd", { endpointId: "ep1", connectorId: c.id });
    hub.record("write.failed", "write failed", { level: "error", endpointId: "ep2", connectorId: c.id });
    hub.record("presence.teams", "gone", { level: "warn", endpointId: "ep-deleted" });
  });
  afterAll(async () => {
    await app?.close();
  });

  it("filters by kind and minimum level; old parameters keep working", async () => {
    const decisions = (await get("/api/events?kind=decision")).json() as HubEvent[];
    expect(decisions.map((e) => e.kind)).toEqual(["decision.teamsToPbx"]);
    const warn = (await get("/api/events?level=warn")).json() as HubEvent[];
    expect(warn.map((e) => e.level)).toEqual(["warn", "error"]);
    const both = (await get("/api/events?kind=write,presence&level=error")).json() as HubEvent[];
    expect(both.map((e) => e.kind)).toEqual(["write.failed"]);
    const byEndpoint = (await get("/api/events?endpointId=ep1&limit=5")).json() as HubEvent[];
    expect(byEndpoint.map((e) => e.endpointId)).toEqual(["ep1"]);
    const newest = (await get("/api/events?limit=1")).json() as HubEvent[];
    const older = (await get(`/api/events?beforeId=${newest[0].id}&limit=1`)).json() as HubEvent[];
    expect(older[0].id).toBeLessThan(newest[0].id);
  });

  it("rejects an unknown level or a malformed kind with 400", async () => {
    expect((await get("/api/events?level=loud")).statusCode).toBe(400);
    expect((await get("/api/events?kind=a;drop")).statusCode).toBe(400);
    expect((await get("/api/events?nope=1")).statusCode).toBe(400);
  });

  it("names the endpoint and the connector of each event (not for deleted ones)", async () => {
    const list = (await get("/api/events")).json() as (HubEvent & { endpointName?: string; connectorName?: string })[];
    const decision = list.find((e) => e.kind === "decision.teamsToPbx");
    expect(decision).toMatchObject({ endpointName: "User 1", connectorName: "Berlin" });
    const gone = list.find((e) => e.endpointId === "ep-deleted");
    expect(gone?.endpointName).toBeUndefined();
  });
});
