// The shared store's copy of the configuration in memory, so the hub reads it synchronously like the
// embedded store's: tenants, connectors, sealed secrets, Microsoft 365 settings, service accounts, settings
// and admin users — small tables, each reloaded whole when a write (this instance's or another's) touched
// it. The tables of one reload are read in one snapshot and swapped in together: a read sees the copy
// before or after a write, never half of it (a connector without its new secret).
import type pg from "pg";
import type { SealedSecret } from "./crypto.js";
import {
  type ConnectorRow,
  type ServiceAccountRow,
  type TenantRow,
  type UserRow,
  toConnector,
  toServiceAccount,
  toTenant,
  toUser,
} from "./rows.js";
import type {
  ConfigTable,
  StoredConnector,
  StoredServiceAccount,
  StoredTeamsSettings,
  StoredTenant,
  StoredUser,
} from "./types.js";

export const CONFIG_TABLES: ConfigTable[] = [
  "tenants",
  "connectors",
  "secrets",
  "teams_settings",
  "service_accounts",
  "settings",
  "users",
];

export class ConfigMirror {
  tenants: StoredTenant[] = [];
  connectors: StoredConnector[] = [];
  connectorById = new Map<string, StoredConnector>();
  secrets = new Map<string, SealedSecret>();
  teams = new Map<string, StoredTeamsSettings>();
  serviceAccounts = new Map<string, StoredServiceAccount[]>();
  settings = new Map<string, unknown>();
  users: StoredUser[] = [];

  async reload(pool: pg.Pool, tables: Iterable<ConfigTable> = CONFIG_TABLES): Promise<void> {
    const client = await pool.connect();
    const next = new ConfigMirror();
    const loaded = [...new Set(tables)];
    try {
      await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
      for (const t of loaded) await next.load(client, t);
      await client.query("COMMIT");
      client.release();
    } catch (e) {
      client.release(true); // a connection that failed mid-snapshot is not reused
      throw e;
    }
    for (const t of loaded) this.take(next, t);
  }

  private take(from: ConfigMirror, table: ConfigTable): void {
    switch (table) {
      case "tenants":
        this.tenants = from.tenants;
        return;
      case "connectors":
        this.connectors = from.connectors;
        this.connectorById = from.connectorById;
        return;
      case "secrets":
        this.secrets = from.secrets;
        return;
      case "teams_settings":
        this.teams = from.teams;
        return;
      case "service_accounts":
        this.serviceAccounts = from.serviceAccounts;
        return;
      case "settings":
        this.settings = from.settings;
        return;
      case "users":
        this.users = from.users;
        return;
    }
  }

  private async load(db: pg.ClientBase, table: ConfigTable): Promise<void> {
    switch (table) {
      case "tenants": {
        const r = await db.query<TenantRow>("SELECT * FROM tenants ORDER BY created_at, id");
        this.tenants = r.rows.map(toTenant);
        return;
      }
      case "connectors": {
        const r = await db.query<ConnectorRow>("SELECT * FROM connectors ORDER BY created_at, id");
        this.connectors = r.rows.map(toConnector);
        this.connectorById = new Map(this.connectors.map((c) => [c.id, c]));
        return;
      }
      case "secrets": {
        const r = await db.query<SealedSecret & { name: string }>("SELECT name, iv, tag, data FROM secrets");
        this.secrets = new Map(r.rows.map((s) => [s.name, { iv: s.iv, tag: s.tag, data: s.data }]));
        return;
      }
      case "teams_settings": {
        const r = await db.query<{ tenant_id: string; config: string }>("SELECT tenant_id, config FROM teams_settings");
        this.teams = new Map(r.rows.map((s) => [s.tenant_id, JSON.parse(s.config) as StoredTeamsSettings]));
        return;
      }
      case "service_accounts": {
        const r = await db.query<ServiceAccountRow & { tenant_id: string }>(
          "SELECT * FROM service_accounts ORDER BY added_at, id",
        );
        const by = new Map<string, StoredServiceAccount[]>();
        for (const row of r.rows) {
          const list = by.get(row.tenant_id) ?? [];
          list.push(toServiceAccount(row));
          by.set(row.tenant_id, list);
        }
        this.serviceAccounts = by;
        return;
      }
      case "settings": {
        const r = await db.query<{ key: string; value: string }>("SELECT key, value FROM settings");
        this.settings = new Map(r.rows.map((s) => [s.key, JSON.parse(s.value)]));
        return;
      }
      case "users": {
        const r = await db.query<UserRow>("SELECT * FROM users ORDER BY lower(username)");
        this.users = r.rows.map(toUser);
        return;
      }
    }
  }
}
