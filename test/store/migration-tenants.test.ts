// A single-tenant data directory (schema version 1) opened by this hub migrates into the default tenant:
// connector ids, endpoint mappings, hub-set state, the Microsoft 365 settings and service accounts stay,
// and the secrets stay readable under their per-tenant names (re-sealed: the name is the AEAD's associated
// data). Built here with version 1's own SQL, as an older hub left it.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { loadSecretKey, SecretBox } from "../../server/store/crypto.js";
import { MIGRATIONS, migrate } from "../../server/store/migrations.js";
import { openSqliteStore } from "../../server/store/sqlite.js";

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function seedVersion1(dataDir: string): void {
  const db = new Database(join(dataDir, "hub.db"));
  expect(migrate(db, MIGRATIONS.filter((m) => m.version === 1))).toBe(1);
  const box = new SecretBox(loadSecretKey(dataDir));
  const secret = (name: string, value: string) => {
    const s = box.seal(name, value);
    db.prepare("INSERT INTO secrets (name, iv, tag, data, updated_at) VALUES (?, ?, ?, ?, 'x')").run(name, s.iv, s.tag, s.data);
  };
  const at = "2026-11-01T00:00:00.000Z";
  db.prepare(
    "INSERT INTO connectors (id, type, name, description, enabled, config, created_at, updated_at) VALUES (?, ?, ?, '', 1, ?, ?, ?)",
  ).run("c0ffee01", "innovaphone-dnd", "Headquarters", JSON.stringify({ server: "pbx.example.com", port: 443 }), at, at);
  secret("connector/c0ffee01/password", "pbx-pw");
  db.prepare(
    `INSERT INTO endpoints (id, connector_id, pbx_guid, teams_user_id, match, enabled, display_name, email, h323, e164, created_at, updated_at)
     VALUES ('ep_1', 'c0ffee01', 'g1', 'teams-alice', 'manual', 1, 'Alice', 'alice@contoso.example', 'alice', '101', ?, ?)`,
  ).run(at, at);
  db.prepare("INSERT INTO sync_state (endpoint_id, state, updated_at) VALUES ('ep_1', ?, ?)").run(
    JSON.stringify({ pbx: { activity: "dnd", note: "In a Teams call" }, pbxDirty: false, cfb: null, cfbIntent: null, teams: null, teamsUserId: null, teamsDirty: false }),
    at,
  );
  db.prepare("INSERT INTO teams_settings (id, config, updated_at) VALUES (1, ?, ?)").run(
    JSON.stringify({ enabled: true, tenantId: "contoso.example", clientId: "app-1", updatedAt: at }),
    at,
  );
  secret("teams/clientSecret", "client-secret-value");
  db.prepare("INSERT INTO service_accounts (id, upn, status, added_at) VALUES ('sa1', 'svc@contoso.example', 'active', ?)").run(at);
  secret("serviceAccount/sa1/refreshToken", JSON.stringify({ accountId: "sa1", refreshToken: "rt" }));
  db.close();
}

describe("single-tenant data directory → default tenant", () => {
  it("keeps connector ids, endpoint mappings, hub-set state, Microsoft 365 settings and readable secrets", async () => {
    dir = mkdtempSync(join(tmpdir(), "ph-migrate-"));
    seedVersion1(dir);
    const store = openSqliteStore({ dataDir: dir });
    try {
      expect(store.schemaVersion()).toBe(3);
      expect(store.listTenants().map((t) => t.id)).toEqual(["default"]);
      expect(store.listConnectors("default").map((c) => [c.id, c.tenant, c.name])).toEqual([
        ["c0ffee01", "default", "Headquarters"],
      ]);
      expect(store.getSecret("connector/c0ffee01/password")).toBe("pbx-pw");
      expect((await store.listEndpoints("c0ffee01"))).toMatchObject([
        { id: "ep_1", pbxGuid: "g1", teamsUserId: "teams-alice", match: "manual" },
      ]);
      expect((await store.loadSyncStates("default")).get("ep_1")?.pbx).toEqual({ activity: "dnd", note: "In a Teams call" });
      expect(store.getTeamsSettings("default")).toMatchObject({ tenantId: "contoso.example", clientId: "app-1" });
      expect(store.getSecret("tenant/default/teams/clientSecret")).toBe("client-secret-value");
      expect(store.getSecret("teams/clientSecret")).toBeUndefined();
      expect(store.listServiceAccounts("default").map((a) => a.upn)).toEqual(["svc@contoso.example"]);
      expect(JSON.parse(store.getSecret("tenant/default/serviceAccount/sa1/refreshToken") ?? "{}")).toMatchObject({
        refreshToken: "rt",
      });
    } finally {
      store.close();
    }
    // Opening again changes nothing (the move runs once).
    const again = openSqliteStore({ dataDir: dir });
    expect(again.getSecret("tenant/default/teams/clientSecret")).toBe("client-secret-value");
    again.close();
  });
});
