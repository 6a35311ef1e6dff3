// Embedded store: migrations, secrets encrypted at rest (round trip, never plaintext in the files, key file
// permissions), transactions roll back, event log ring trim.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { EMPTY_HUB_SET } from "../../engine/sync/types.js";
import { MIGRATIONS, migrate } from "../../server/store/migrations.js";
import { openSqliteStore, type SqliteStore } from "../../server/store/sqlite.js";
import type { StoredConnector } from "../../server/store/types.js";

let dir: string;
let store: SqliteStore;

function connector(id: string): StoredConnector {
  const now = new Date().toISOString();
  return {
    id,
    tenant: "default",
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

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "hub-store-"));
  delete process.env.PRESENCE_HUB_SECRET_KEY;
  store = openSqliteStore({ dataDir: dir, eventLogLimit: 100 });
});

afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("migrations", () => {
  it("brings a fresh database to the latest version, WAL on", () => {
    expect(store.schemaVersion()).toBe(Math.max(...MIGRATIONS.map((m) => m.version)));
    const db = new Database(store.path, { readonly: true });
    expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
    db.close();
  });

  it("is idempotent on reopen and keeps data", () => {
    store.putConnector(connector("a"));
    store.close();
    store = openSqliteStore({ dataDir: dir });
    expect(store.listConnectors().map((c) => c.id)).toEqual(["a"]);
  });

  it("a failing migration leaves the previous version and no partial schema", () => {
    const db = new Database(":memory:");
    migrate(db, MIGRATIONS);
    const broken = [
      ...MIGRATIONS,
      { version: 99, name: "broken", steps: [{ sql: "CREATE TABLE x (a INT)" }, { sql: "INSERT INTO nope VALUES (1)" }] },
    ];
    expect(() => migrate(db, broken)).toThrow();
    expect(db.pragma("user_version", { simple: true })).toBe(MIGRATIONS.length);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'x'").get()).toBeUndefined();
  });

  it("refuses a database from a newer hub", () => {
    const db = new Database(":memory:");
    db.pragma("user_version = 999");
    expect(() => migrate(db, MIGRATIONS)).toThrow(/newer/);
  });
});

describe("secrets", () => {
  it("round-trips and never stores plaintext in the database files", () => {
    const password = "Sup3r-Secret-PBX-Password!";
    const token = "0.AAAA-refresh-token-value-xyz";
    store.putConnector(connector("a"));
    store.setSecret("connector/a/password", password);
    store.setSecret("serviceAccount/s1/refreshToken", token);
    expect(store.getSecret("connector/a/password")).toBe(password);
    expect(store.getSecret("serviceAccount/s1/refreshToken")).toBe(token);
    store.close();
    for (const f of readdirSync(dir)) {
      if (f === "secret.key") continue;
      const bytes = readFileSync(join(dir, f));
      expect(bytes.includes(Buffer.from(password)), f).toBe(false);
      expect(bytes.includes(Buffer.from(token)), f).toBe(false);
    }
    store = openSqliteStore({ dataDir: dir });
    expect(store.getSecret("connector/a/password")).toBe(password);
  });

  it("creates the key file with owner-only permissions", () => {
    const st = statSync(join(dir, "secret.key"));
    expect(st.mode & 0o777).toBe(0o600);
  });

  it("uses PRESENCE_HUB_SECRET_KEY when set, and a wrong key fails with STORE", () => {
    const other = mkdtempSync(join(tmpdir(), "hub-store-env-"));
    process.env.PRESENCE_HUB_SECRET_KEY = Buffer.alloc(32, 7).toString("base64");
    try {
      const s = openSqliteStore({ dataDir: other });
      s.setSecret("teams/clientSecret", "abc");
      s.close();
      expect(readdirSync(other)).not.toContain("secret.key");
      process.env.PRESENCE_HUB_SECRET_KEY = Buffer.alloc(32, 8).toString("base64");
      const s2 = openSqliteStore({ dataDir: other });
      expect(() => s2.getSecret("teams/clientSecret")).toThrow(/cannot be decrypted/);
      s2.close();
    } finally {
      delete process.env.PRESENCE_HUB_SECRET_KEY;
      rmSync(other, { recursive: true, force: true });
    }
  });

  it("rejects a key of the wrong length", () => {
    expect(() => openSqliteStore({ dataDir: dir, secretKey: Buffer.alloc(16).toString("base64") })).toThrow(
      /32 bytes/,
    );
  });

  it("a ciphertext moved to another name does not decrypt (name is associated data)", () => {
    store.setSecret("connector/a/password", "pw");
    const db = new Database(store.path);
    db.prepare(
      "INSERT INTO secrets (name, iv, tag, data, updated_at) SELECT 'connector/b/password', iv, tag, data, updated_at FROM secrets WHERE name = 'connector/a/password'",
    ).run();
    db.close();
    expect(() => store.getSecret("connector/b/password")).toThrow();
  });
});

describe("transactions", () => {
  it("roll back every write when the function throws", () => {
    expect(() =>
      store.transaction(() => {
        store.putConnector(connector("a"));
        store.setSecret("connector/a/password", "pw");
        throw new Error("crash in the middle");
      }),
    ).toThrow("crash in the middle");
    expect(store.listConnectors()).toEqual([]);
    expect(store.getSecret("connector/a/password")).toBeUndefined();
  });

  it("deleting a connector removes its endpoints, sync state and secrets together", () => {
    store.putConnector(connector("a"));
    store.setSecret("connector/a/password", "pw");
    store.setSecret("connector/ab/password", "other");
    const now = new Date().toISOString();
    store.putEndpoints([
      {
        id: "e1",
        connectorId: "a",
        pbxGuid: "g1",
        teamsUserId: null,
        match: "auto",
        enabled: true,
        displayName: "A",
        email: "a@x",
        h323: "a",
        e164: "10",
        createdAt: now,
        updatedAt: now,
      },
    ]);
    store.saveSyncState("e1", { ...EMPTY_HUB_SET, pbx: { activity: "dnd", note: "x" } });
    expect(store.loadSyncStates().get("e1")?.pbx?.activity).toBe("dnd");
    store.deleteConnector("a");
    expect(store.listEndpoints()).toEqual([]);
    expect(store.loadSyncStates().size).toBe(0);
    expect(store.getSecret("connector/a/password")).toBeUndefined();
    expect(store.getSecret("connector/ab/password")).toBe("other");
  });
});

describe("event log", () => {
  it("is bounded (ring trim) and lists newest first, filtered by endpoint", () => {
    for (let i = 0; i < 25; i++) {
      store.appendEvents(
        Array.from({ length: 10 }, (_, j) => ({
          level: "info" as const,
          kind: "presence.teams" as const,
          endpointId: j % 2 ? "e1" : "e2",
          message: `m${i * 10 + j}`,
        })),
      );
    }
    const all = store.listEvents({ limit: 1000 });
    expect(all.length).toBeLessThanOrEqual(100);
    expect(all[0].message).toBe("m249");
    const e1 = store.listEvents({ endpointId: "e1", limit: 5 });
    expect(e1.every((e) => e.endpointId === "e1")).toBe(true);
    expect(e1[0].id).toBeGreaterThan(e1[1].id);
    const older = store.listEvents({ limit: 5, beforeId: all[0].id });
    expect(older[0].id).toBe(all[1].id);
  });
});
