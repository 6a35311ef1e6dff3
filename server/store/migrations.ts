// Versioned schema migrations, one definition for both stores (schema/steps.ts renders them into SQLite's
// and PostgreSQL's SQL). Each migration runs in one transaction together with the version bump, so a crash
// mid-upgrade leaves the previous version intact. Append only: never edit a migration that has shipped.
import type Database from "better-sqlite3";
import { render } from "./schema/render.js";
import { bigint, blob, integer, type Migration, text } from "./schema/steps.js";

export type { Migration } from "./schema/steps.js";

const now = () => new Date().toISOString();

export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: "initial",
    steps: [
      {
        createTable: "connectors",
        columns: [
          text("id", { primaryKey: true }),
          text("type", { notNull: true }),
          text("name", { notNull: true }),
          text("description", { notNull: true, default: "''" }),
          integer("enabled", { notNull: true }),
          text("config", { notNull: true }),
          text("created_at", { notNull: true }),
          text("updated_at", { notNull: true }),
        ],
      },
      {
        createTable: "secrets",
        columns: [
          text("name", { primaryKey: true }),
          blob("iv", { notNull: true }),
          blob("tag", { notNull: true }),
          blob("data", { notNull: true }),
          text("updated_at", { notNull: true }),
        ],
      },
      {
        createTable: "teams_settings",
        columns: [
          integer("id", { primaryKey: true }),
          text("config", { notNull: true }),
          text("updated_at", { notNull: true }),
        ],
        checks: ["id = 1"],
      },
      {
        createTable: "service_accounts",
        columns: [
          text("id", { primaryKey: true }),
          text("upn", { notNull: true }),
          text("status", { notNull: true }),
          text("reason"),
          text("added_at", { notNull: true }),
        ],
      },
      {
        createTable: "endpoints",
        columns: [
          text("id", { primaryKey: true }),
          text("connector_id", { notNull: true, references: { table: "connectors", column: "id", onDelete: "cascade" } }),
          text("pbx_guid", { notNull: true }),
          text("teams_user_id"),
          text("match", { notNull: true }),
          integer("enabled", { notNull: true }),
          text("display_name", { notNull: true, default: "''" }),
          text("email", { notNull: true, default: "''" }),
          text("h323", { notNull: true, default: "''" }),
          text("e164", { notNull: true, default: "''" }),
          text("created_at", { notNull: true }),
          text("updated_at", { notNull: true }),
        ],
        unique: [["connector_id", "pbx_guid"]],
        checks: ["match IN ('auto', 'manual')"],
      },
      { createIndex: "endpoints_teams_user", on: "endpoints", columns: ["teams_user_id"] },
      {
        createTable: "sync_state",
        columns: [
          text("endpoint_id", { primaryKey: true, references: { table: "endpoints", column: "id", onDelete: "cascade" } }),
          text("state", { notNull: true }),
          text("updated_at", { notNull: true }),
        ],
      },
      {
        createTable: "settings",
        columns: [text("key", { primaryKey: true }), text("value", { notNull: true })],
      },
      {
        createTable: "events",
        columns: [
          bigint("id", { autoIncrement: true }),
          text("at", { notNull: true }),
          text("level", { notNull: true }),
          text("kind", { notNull: true }),
          text("connector_id"),
          text("endpoint_id"),
          text("message", { notNull: true }),
          text("details"),
        ],
      },
      { createIndex: "events_endpoint", on: "events", columns: ["endpoint_id", "id"] },
      { createIndex: "events_connector", on: "events", columns: ["connector_id", "id"] },
    ],
  },
  {
    version: 2,
    name: "tenants and admin users",
    // Every existing row belongs to the default tenant. Columns added with a default cannot carry a
    // REFERENCES clause in SQLite; the hub keeps connectors' and accounts' tenants valid (it deletes a
    // tenant's connectors before the tenant). Secrets are renamed by the store (they are sealed with their
    // name as associated data: see SqliteStore).
    steps: [
      {
        createTable: "tenants",
        columns: [
          text("id", { primaryKey: true }),
          text("name", { notNull: true }),
          text("created_at", { notNull: true }),
          text("updated_at", { notNull: true }),
        ],
      },
      { insert: "tenants", values: () => ({ id: "default", name: "Default", created_at: now(), updated_at: now() }) },
      { addColumn: "connectors", column: text("tenant_id", { notNull: true, default: "'default'" }) },
      { createIndex: "connectors_tenant", on: "connectors", columns: ["tenant_id"] },
      {
        createTable: "teams_settings_of_tenant",
        columns: [
          text("tenant_id", { primaryKey: true, references: { table: "tenants", column: "id", onDelete: "cascade" } }),
          text("config", { notNull: true }),
          text("updated_at", { notNull: true }),
        ],
      },
      {
        sql: "INSERT INTO teams_settings_of_tenant (tenant_id, config, updated_at) SELECT 'default', config, updated_at FROM teams_settings",
      },
      { dropTable: "teams_settings" },
      { renameTable: "teams_settings_of_tenant", to: "teams_settings" },
      { addColumn: "service_accounts", column: text("tenant_id", { notNull: true, default: "'default'" }) },
      { addColumn: "events", column: text("tenant_id") },
      { createIndex: "events_tenant", on: "events", columns: ["tenant_id", "id"] },
      {
        createTable: "users",
        columns: [
          text("id", { primaryKey: true }),
          text("username", { notNull: true, caseInsensitive: true }),
          text("password_hash", { notNull: true }),
          text("role", { notNull: true }),
          text("tenant_id", { references: { table: "tenants", column: "id", onDelete: "cascade" } }),
          integer("disabled", { notNull: true, default: "0" }),
          text("created_at", { notNull: true }),
          text("updated_at", { notNull: true }),
        ],
        unique: [["username"]],
        checks: ["role IN ('admin', 'tenant-admin')", "(role = 'admin') = (tenant_id IS NULL)"],
      },
    ],
  },
  {
    version: 3,
    name: "sessions and coordination of several instances",
    // Sessions are stored so a restart (or another instance) keeps admins logged in; the cluster tables are
    // used only by the shared store but exist in both, so both stores have one schema. Times are epoch ms.
    steps: [
      {
        createTable: "sessions",
        columns: [
          text("id_hash", { primaryKey: true }),
          text("user_id"),
          text("principal", { notNull: true }),
          bigint("created_at", { notNull: true }),
          bigint("expires_at", { notNull: true }),
        ],
      },
      { createIndex: "sessions_expiry", on: "sessions", columns: ["expires_at"] },
      { createIndex: "sessions_user", on: "sessions", columns: ["user_id"] },
      {
        // One row per leased resource, kept forever so its fencing token only ever grows.
        createTable: "leases",
        columns: [
          text("resource", { primaryKey: true }),
          text("owner"),
          bigint("token", { notNull: true, default: "0" }),
          bigint("expires_at", { notNull: true, default: "0" }),
        ],
      },
      {
        createTable: "instances",
        columns: [
          text("id", { primaryKey: true }),
          text("url"),
          text("version", { notNull: true }),
          bigint("started_at", { notNull: true }),
          bigint("seen_at", { notNull: true }),
          integer("stopping", { notNull: true, default: "0" }),
          // Live UI streams open on the instance: peers relay their live messages only while some are.
          integer("stream_clients", { notNull: true, default: "0" }),
        ],
      },
    ],
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
      for (const step of m.steps)
        for (const st of render(step, "sqlite")) db.prepare(st.sql).run(...((st.params as unknown[]) ?? []));
      db.pragma(`user_version = ${m.version}`);
    })();
    version = m.version;
  }
  return version;
}
