// Versioned schema migrations of the embedded store. Each migration runs in its own transaction together
// with the bump of user_version, so a crash mid-upgrade leaves the previous version intact. Append only:
// never edit a migration that has shipped.
import type Database from "better-sqlite3";

export interface Migration {
  version: number;
  name: string;
  up: string;
}

export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: "initial",
    up: `
      CREATE TABLE connectors (
        id TEXT PRIMARY KEY,
        type TEXT NOT NULL,
        name TEXT NOT NULL,
        description TEXT NOT NULL DEFAULT '',
        enabled INTEGER NOT NULL,
        config TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE TABLE secrets (
        name TEXT PRIMARY KEY,
        iv BLOB NOT NULL,
        tag BLOB NOT NULL,
        data BLOB NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE TABLE teams_settings (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        config TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE TABLE service_accounts (
        id TEXT PRIMARY KEY,
        upn TEXT NOT NULL,
        status TEXT NOT NULL,
        reason TEXT,
        added_at TEXT NOT NULL
      );
      CREATE TABLE endpoints (
        id TEXT PRIMARY KEY,
        connector_id TEXT NOT NULL REFERENCES connectors(id) ON DELETE CASCADE,
        pbx_guid TEXT NOT NULL,
        teams_user_id TEXT,
        match TEXT NOT NULL CHECK (match IN ('auto', 'manual')),
        enabled INTEGER NOT NULL,
        display_name TEXT NOT NULL DEFAULT '',
        email TEXT NOT NULL DEFAULT '',
        h323 TEXT NOT NULL DEFAULT '',
        e164 TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        UNIQUE (connector_id, pbx_guid)
      );
      CREATE INDEX endpoints_teams_user ON endpoints(teams_user_id);
      CREATE TABLE sync_state (
        endpoint_id TEXT PRIMARY KEY REFERENCES endpoints(id) ON DELETE CASCADE,
        state TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      );
      CREATE TABLE events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL,
        level TEXT NOT NULL,
        kind TEXT NOT NULL,
        connector_id TEXT,
        endpoint_id TEXT,
        message TEXT NOT NULL,
        details TEXT
      );
      CREATE INDEX events_endpoint ON events(endpoint_id, id);
      CREATE INDEX events_connector ON events(connector_id, id);
    `,
  },
  {
    version: 2,
    name: "tenants and admin users",
    // Every existing row belongs to the default tenant. Columns added with a default cannot carry a
    // REFERENCES clause in SQLite; the hub keeps connectors' and accounts' tenants valid (it deletes a
    // tenant's connectors before the tenant). Secrets are renamed by the store (they are sealed with
    // their name as associated data: see SqliteStore).
    up: `
      CREATE TABLE tenants (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      INSERT INTO tenants (id, name, created_at, updated_at)
        VALUES ('default', 'Default', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
      ALTER TABLE connectors ADD COLUMN tenant_id TEXT NOT NULL DEFAULT 'default';
      CREATE INDEX connectors_tenant ON connectors(tenant_id);
      CREATE TABLE teams_settings_of_tenant (
        tenant_id TEXT PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
        config TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      INSERT INTO teams_settings_of_tenant (tenant_id, config, updated_at)
        SELECT 'default', config, updated_at FROM teams_settings;
      DROP TABLE teams_settings;
      ALTER TABLE teams_settings_of_tenant RENAME TO teams_settings;
      ALTER TABLE service_accounts ADD COLUMN tenant_id TEXT NOT NULL DEFAULT 'default';
      ALTER TABLE events ADD COLUMN tenant_id TEXT;
      CREATE INDEX events_tenant ON events(tenant_id, id);
      CREATE TABLE users (
        id TEXT PRIMARY KEY,
        username TEXT NOT NULL UNIQUE COLLATE NOCASE,
        password_hash TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('admin', 'tenant-admin')),
        tenant_id TEXT REFERENCES tenants(id) ON DELETE CASCADE,
        disabled INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        CHECK ((role = 'admin') = (tenant_id IS NULL))
      );
    `,
  },
];

/** Applies every migration above the database's user_version; returns the resulting version. */
export function migrate(db: Database.Database, migrations: Migration[] = MIGRATIONS): number {
  let version = db.pragma("user_version", { simple: true }) as number;
  const latest = migrations.reduce((m, x) => Math.max(m, x.version), 0);
  if (version > latest) {
    throw new Error(`database schema version ${version} is newer than this hub (${latest}); upgrade the hub`);
  }
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    if (m.version <= version) continue;
    db.transaction(() => {
      db.exec(m.up);
      db.pragma(`user_version = ${m.version}`);
    })();
    version = m.version;
  }
  return version;
}
