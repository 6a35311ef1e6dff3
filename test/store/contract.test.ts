// The store contract, run against both stores (embedded SQLite and PostgreSQL on a throwaway cluster):
// atomic writes, cascades, secrets, hub-set state with fencing, the event log, sessions, users — and for
// the shared store what only it has: other instances' writes reach this one's copy, a wrong secret key is
// refused at start, an outage fails writes clearly while reads keep answering, and it recovers.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { configureRootLogger } from "../../common/log.js";
import { EMPTY_HUB_SET } from "../../engine/sync/types.js";
import { PgStore } from "../../server/store/postgres.js";
import { openSqliteStore } from "../../server/store/sqlite.js";
import type { HubStore, StoredConnector, StoredEndpoint } from "../../server/store/types.js";
import { type PostgresCluster, postgresSkipReason, startPostgres } from "../pg/cluster.js";

const log = configureRootLogger({ level: "silent" });
const KEY = Buffer.alloc(32, 7).toString("base64");
const skipPg = postgresSkipReason();
if (skipPg) console.warn(skipPg);

function connector(id: string, tenant = "default"): StoredConnector {
  const now = new Date().toISOString();
  return {
    id,
    tenant,
    type: "innovaphone-dnd",
    name: `PBX ${id}`,
    description: "",
    enabled: true,
    config: {
      server: "pbx.example.com",
      port: 443,
      protocol: "wss",
      username: "presencehub",
      defaultDestination: "200",
      modulePath: "/PBX0/APPS/websocket",
      tls: { insecure: false },
    },
    createdAt: now,
    updatedAt: now,
  };
}

function endpoint(id: string, connectorId: string): StoredEndpoint {
  const now = new Date().toISOString();
  return {
    id,
    connectorId,
    pbxGuid: `g-${id}`,
    teamsUserId: null,
    match: "auto",
    enabled: true,
    displayName: id.toUpperCase(),
    email: `${id}@x`,
    h323: id,
    e164: "10",
    createdAt: now,
    updatedAt: now,
  };
}

interface Kind {
  name: string;
  skip?: string;
  setup(): Promise<void>;
  teardown(): Promise<void>;
  open(eventLogLimit?: number): Promise<HubStore>;
}

let cluster: PostgresCluster | undefined;
let dbSeq = 0;
let pgUrl = "";

const kinds: Kind[] = [
  {
    name: "SQLite",
    async setup() {},
    async teardown() {},
    async open(eventLogLimit) {
      const dir = mkdtempSync(join(tmpdir(), "ph-contract-"));
      const s = openSqliteStore({ dataDir: dir, secretKey: KEY, eventLogLimit });
      const close = s.close.bind(s);
      s.close = async () => {
        await close();
        rmSync(dir, { recursive: true, force: true });
      };
      return s;
    },
  },
  {
    name: "PostgreSQL",
    skip: skipPg,
    async setup() {
      cluster = await startPostgres();
    },
    async teardown() {
      await cluster?.stop();
    },
    async open(eventLogLimit) {
      pgUrl = await cluster!.createDatabase(`contract_${++dbSeq}`, { icuLocale: "en-US-u-ka-shifted" });
      return PgStore.open({ url: pgUrl, instanceId: "a", secretKey: KEY, dataDir: tmpdir(), eventLogLimit, log });
    },
  },
];

for (const kind of kinds) {
  describe.skipIf(Boolean(kind.skip))(`store contract: ${kind.name}`, () => {
    let store: HubStore;
    beforeAll(() => kind.setup(), 60_000);
    afterAll(() => kind.teardown());
    beforeEach(async () => {
      store = await kind.open(100);
    });
    afterEach(async () => {
      await store.close();
    });

    it("migrates to the latest version with the default tenant", () => {
      expect(store.schemaVersion()).toBe(3);
      expect(store.listTenants().map((t) => t.id)).toEqual(["default"]);
    });

    it("a write is all or nothing", async () => {
      await expect(
        store.write((w) => {
          w.putConnector(connector("a"));
          w.setSecret("connector/a/password", "pw");
          w.putEndpoints([endpoint("e1", "missing-connector")]); // foreign key fails the whole write
        }),
      ).rejects.toThrow();
      expect(store.listConnectors()).toEqual([]);
      expect(store.getSecret("connector/a/password")).toBeUndefined();
      await store.write((w) => {
        w.putConnector(connector("a"));
        w.setSecret("connector/a/password", "pw");
      });
      expect(store.getConnector("a")?.name).toBe("PBX a");
      expect(store.getSecret("connector/a/password")).toBe("pw");
    });

    it("deleting a connector removes its endpoints, hub-set state and secrets, not a neighbour's", async () => {
      await store.write((w) => {
        w.putConnector(connector("a"));
        w.setSecret("connector/a/password", "pw");
        w.setSecret("connector/ab/password", "other");
        w.putEndpoints([endpoint("e1", "a"), endpoint("e2", "a")]);
      });
      await store.saveSyncStates(new Map([["e1", { ...EMPTY_HUB_SET, pbx: { activity: "dnd", note: "x" } }]]));
      expect((await store.loadSyncStates()).get("e1")?.pbx?.activity).toBe("dnd");
      expect((await store.listEndpoints("a")).map((e) => e.id)).toEqual(["e1", "e2"]);
      await store.write((w) => w.deleteConnector("a"));
      expect(await store.listEndpoints()).toEqual([]);
      expect((await store.loadSyncStates()).size).toBe(0);
      expect(store.getSecret("connector/a/password")).toBeUndefined();
      expect(store.getSecret("connector/ab/password")).toBe("other");
    });

    it("hub-set state: saves and removes in one call, per tenant, skipping deleted endpoints", async () => {
      await store.write((w) => {
        w.putTenant({ id: "acme", name: "Acme", createdAt: "1", updatedAt: "1" });
        w.putConnector(connector("a"));
        w.putConnector(connector("b", "acme"));
        w.putEndpoints([endpoint("e1", "a"), endpoint("e2", "b")]);
      });
      const dnd = { ...EMPTY_HUB_SET, pbx: { activity: "dnd", note: "x" } };
      await store.saveSyncStates(new Map([["e1", dnd], ["e2", dnd], ["gone", dnd]]));
      expect([...(await store.loadSyncStates("acme")).keys()]).toEqual(["e2"]);
      await store.saveSyncStates(new Map([["e1", null], ["e2", { ...dnd, teamsDirty: true }]]));
      const all = await store.loadSyncStates();
      expect([...all.keys()]).toEqual(["e2"]);
      expect(all.get("e2")?.teamsDirty).toBe(true);
    });

    it("tenants: deleting one removes its settings, accounts, users, events and secrets only", async () => {
      await store.write((w) => {
        w.putTenant({ id: "acme", name: "Acme", createdAt: "1", updatedAt: "1" });
        w.putTeamsSettings("acme", { tenantId: "t", clientId: "c", updatedAt: "1" } as never);
        w.putServiceAccount("acme", { id: "sa1", upn: "svc@acme", status: "active", addedAt: "1" });
        w.setSecret("tenant/acme/teams/clientSecret", "s");
        w.setSecret("tenant/default/teams/clientSecret", "d");
        w.putUser({
          id: "u1",
          username: "Acme-Admin",
          passwordHash: "scrypt$x",
          role: "tenant-admin",
          tenant: "acme",
          disabled: false,
          createdAt: "1",
          updatedAt: "1",
        });
      });
      await store.appendEvents([{ level: "info", kind: "teams.settings", tenant: "acme", message: "m" }]);
      expect(store.findUser("acme-admin")?.id).toBe("u1");
      expect(store.listServiceAccounts("acme").map((a) => a.upn)).toEqual(["svc@acme"]);
      await store.write((w) => w.deleteTenant("acme"));
      expect(store.getTenant("acme")).toBeUndefined();
      expect(store.getTeamsSettings("acme")).toBeUndefined();
      expect(store.listServiceAccounts("acme")).toEqual([]);
      expect(store.listUsers()).toEqual([]);
      expect(store.getSecret("tenant/acme/teams/clientSecret")).toBeUndefined();
      expect(store.getSecret("tenant/default/teams/clientSecret")).toBe("d");
      expect(await store.listEvents({ tenant: "acme", limit: 10 })).toEqual([]);
    });

    it("settings round-trip as JSON", async () => {
      await store.write((w) => w.setSetting("ui", { lang: "de", n: 2 }));
      expect(store.getSetting("ui")).toEqual({ lang: "de", n: 2 });
    });

    it("event log: bounded, newest first, filtered by endpoint, kind family and level, paged", async () => {
      for (let i = 0; i < 25; i++) {
        await store.appendEvents(
          Array.from({ length: 10 }, (_, j) => ({
            level: j === 0 ? ("warn" as const) : ("info" as const),
            kind: j % 3 ? ("presence.teams" as const) : ("decision.teamsToPbx" as const),
            endpointId: j % 2 ? "e1" : "e2",
            message: `m${i * 10 + j}`,
          })),
        );
      }
      const all = await store.listEvents({ limit: 1000 });
      expect(all.length).toBeLessThanOrEqual(100);
      expect(all[0]?.message).toBe("m249");
      const e1 = await store.listEvents({ endpointId: "e1", limit: 5 });
      expect(e1.every((e) => e.endpointId === "e1")).toBe(true);
      expect(e1[0]!.id).toBeGreaterThan(e1[1]!.id);
      const older = await store.listEvents({ limit: 5, beforeId: all[0]!.id });
      expect(older[0]?.id).toBe(all[1]?.id);
      const decisions = await store.listEvents({ kinds: ["decision"], levels: ["warn"], limit: 1000 });
      expect(decisions.length).toBeGreaterThan(0);
      expect(decisions.every((e) => e.kind === "decision.teamsToPbx" && e.level === "warn")).toBe(true);
    });

    it("sessions: stored by hash, ended one by one, per account (but one) and when expired", async () => {
      const base = { createdAt: 1000, expiresAt: 5000 };
      await store.putSession({ idHash: "h1", userId: "u1", principal: { username: "ops" }, ...base });
      await store.putSession({ idHash: "h2", userId: "u1", principal: { username: "ops" }, ...base });
      await store.putSession({ idHash: "h3", principal: { username: "admin" }, createdAt: 1000, expiresAt: 2000 });
      expect(await store.getSession("h1")).toEqual({ idHash: "h1", userId: "u1", principal: { username: "ops" }, ...base });
      expect(await store.deleteSessions({ userId: "u1", keep: "h2" })).toBe(1);
      expect(await store.getSession("h1")).toBeUndefined();
      expect(await store.deleteSessions({ expiredAt: 3000 })).toBe(1);
      expect(await store.getSession("h3")).toBeUndefined();
      expect(await store.deleteSessions({ idHash: "h2" })).toBe(1);
    });
  });
}

describe.skipIf(Boolean(skipPg))("shared store: several instances", () => {
  let url: string;
  const open = (instanceId: string, secretKey = KEY) =>
    PgStore.open({ url, instanceId, secretKey, dataDir: tmpdir(), log, connectTimeoutMs: 2000 });
  beforeAll(async () => {
    cluster = await startPostgres();
  }, 60_000);
  afterAll(() => cluster?.stop());
  beforeEach(async () => {
    url = await cluster!.createDatabase(`instances_${++dbSeq}`);
  });

  it("another instance's write reaches this one's copy, and it is told which tables changed", async () => {
    const a = await open("a");
    const b = await open("b");
    try {
      const seen: string[][] = [];
      b.onExternalChange((t) => seen.push(t));
      await a.write((w) => {
        w.putConnector(connector("c1"));
        w.setSecret("connector/c1/password", "pw");
      });
      await expect.poll(() => b.getConnector("c1")?.name, { timeout: 5000 }).toBe("PBX c1");
      expect(b.getSecret("connector/c1/password")).toBe("pw");
      expect(seen.flat().sort()).toEqual(["connectors", "secrets"]);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it("a fenced save is refused once another instance holds the lease, and nothing of it is stored", async () => {
    const a = await open("a");
    try {
      await a.write((w) => {
        w.putConnector(connector("c1"));
        w.putEndpoints([endpoint("e1", "c1")]);
      });
      await a.pool.query("INSERT INTO leases (resource, owner, token, expires_at) VALUES ('tenant:default', 'a', 7, 0)");
      const dnd = { ...EMPTY_HUB_SET, pbx: { activity: "dnd", note: "x" } };
      await a.saveSyncStates(new Map([["e1", dnd]]), { resource: "tenant:default", owner: "a", token: 7 });
      await a.pool.query("UPDATE leases SET owner = 'b', token = 8 WHERE resource = 'tenant:default'");
      await expect(
        a.saveSyncStates(new Map([["e1", null]]), { resource: "tenant:default", owner: "a", token: 7 }),
      ).rejects.toMatchObject({ code: "STORE_FENCED" });
      expect((await a.loadSyncStates()).get("e1")?.pbx?.activity).toBe("dnd");
    } finally {
      await a.close();
    }
  });

  it("refuses to start with another secret key than the one the database was sealed with", async () => {
    const a = await open("a");
    await a.close();
    await expect(open("b", Buffer.alloc(32, 9).toString("base64"))).rejects.toThrow(/same PRESENCE_HUB_SECRET_KEY/);
  });

  it("an outage fails writes with STORE_UNAVAILABLE while reads answer; afterwards writes and notifications work", async () => {
    const a = await open("a");
    const b = await open("b");
    try {
      await a.write((w) => w.putConnector(connector("c1")));
      await cluster!.stopServer();
      await expect(a.write((w) => w.putConnector(connector("c2")))).rejects.toMatchObject({ code: "STORE_UNAVAILABLE" });
      await expect(a.appendEvents([{ level: "info", kind: "hub.started", message: "x" }])).rejects.toMatchObject({
        code: "STORE_UNAVAILABLE",
      });
      expect(a.getConnector("c1")?.name).toBe("PBX c1");
      await cluster!.start();
      await expect
        .poll(async () => a.write((w) => w.putConnector(connector("c2"))).then(() => true, () => false), { timeout: 15_000 })
        .toBe(true);
      // b's LISTEN connection comes back and refreshes its copy.
      await expect.poll(() => b.getConnector("c2")?.id, { timeout: 15_000 }).toBe("c2");
      await a.write((w) => w.putConnector({ ...connector("c3") }));
      await expect.poll(() => b.getConnector("c3")?.id, { timeout: 15_000 }).toBe("c3");
    } finally {
      await a.close();
      await b.close();
    }
  }, 60_000);

  it("two instances migrating at once end at one schema version", async () => {
    const [a, b] = await Promise.all([open("a"), open("b")]);
    expect([a.schemaVersion(), b.schemaVersion()]).toEqual([3, 3]);
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    expect((await c.query("SELECT count(*)::int AS n FROM schema_version")).rows[0].n).toBe(3);
    await c.end();
    await a.close();
    await b.close();
  });
});
