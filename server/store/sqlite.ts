// The embedded store: one SQLite file (<dataDir>/hub.db, WAL) implementing HubStore. Statements are
// prepared once; multi-row writes run in one transaction; secrets are sealed with AES-256-GCM before
// they touch the database. The database files are owner-only (0600), the data directory 0700 when created.
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { HubError } from "../../common/errors.js";
import type { HubSetState } from "../../engine/sync/types.js";
import type { HubEvent } from "../hub/types.js";
import { loadSecretKey, SecretBox } from "./crypto.js";
import { MIGRATIONS, migrate } from "./migrations.js";
import type {
  EventStoreQuery,
  HubStore,
  NewEvent,
  StoredConnector,
  StoredEndpoint,
  StoredServiceAccount,
  StoredTeamsSettings,
  StoredTenant,
  StoredUser,
} from "./types.js";

export const DB_FILE = "hub.db";

/**
 * Create the database file 0600 before SQLite opens it (SQLite would create it 0644 under the usual umask;
 * it creates -wal and -shm with the database file's mode), and tighten files an older hub left readable:
 * the database holds endpoint data and the sealed secrets.
 */
function secureDatabaseFiles(path: string): void {
  if (!existsSync(path)) closeSync(openSync(path, "a", 0o600)); // an empty file is an empty database
  for (const f of [path, `${path}-wal`, `${path}-shm`, `${path}-journal`]) {
    if (existsSync(f) && (statSync(f).mode & 0o077) !== 0) chmodSync(f, 0o600);
  }
}

export interface SqliteStoreOptions {
  dataDir: string;
  /** Base64 32-byte key; default env / key file (crypto.ts). */
  secretKey?: string;
  /** Bound of the event log in rows (oldest trimmed first), default 50_000. */
  eventLogLimit?: number;
}

interface ConnectorRow {
  id: string;
  tenant_id: string;
  type: string;
  name: string;
  description: string;
  enabled: number;
  config: string;
  created_at: string;
  updated_at: string;
}

interface EndpointRow {
  id: string;
  connector_id: string;
  pbx_guid: string;
  teams_user_id: string | null;
  match: "auto" | "manual";
  enabled: number;
  display_name: string;
  email: string;
  h323: string;
  e164: string;
  created_at: string;
  updated_at: string;
}

interface EventRow {
  id: number;
  at: string;
  level: HubEvent["level"];
  kind: HubEvent["kind"];
  tenant_id: string | null;
  connector_id: string | null;
  endpoint_id: string | null;
  message: string;
  details: string | null;
}

interface UserRow {
  id: string;
  username: string;
  password_hash: string;
  role: StoredUser["role"];
  tenant_id: string | null;
  disabled: number;
  created_at: string;
  updated_at: string;
}

function toUser(r: UserRow): StoredUser {
  return {
    id: r.id,
    username: r.username,
    passwordHash: r.password_hash,
    role: r.role,
    tenant: r.tenant_id,
    disabled: r.disabled === 1,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function toConnector(r: ConnectorRow): StoredConnector {
  return {
    id: r.id,
    tenant: r.tenant_id,
    type: r.type,
    name: r.name,
    description: r.description,
    enabled: r.enabled === 1,
    config: JSON.parse(r.config),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function toEndpoint(r: EndpointRow): StoredEndpoint {
  return {
    id: r.id,
    connectorId: r.connector_id,
    pbxGuid: r.pbx_guid,
    teamsUserId: r.teams_user_id,
    match: r.match,
    enabled: r.enabled === 1,
    displayName: r.display_name,
    email: r.email,
    h323: r.h323,
    e164: r.e164,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function toEvent(r: EventRow): HubEvent {
  const e: HubEvent = { id: r.id, at: r.at, level: r.level, kind: r.kind, message: r.message };
  if (r.tenant_id) e.tenant = r.tenant_id;
  if (r.connector_id) e.connectorId = r.connector_id;
  if (r.endpoint_id) e.endpointId = r.endpoint_id;
  if (r.details) e.details = JSON.parse(r.details);
  return e;
}

export class SqliteStore implements HubStore {
  readonly path: string;
  private readonly db: Database.Database;
  private readonly box: SecretBox;
  private readonly eventLogLimit: number;
  private readonly version: number;
  // biome-ignore lint/suspicious/noExplicitAny: prepared statements of varying shapes.
  private readonly st: Record<string, Database.Statement<any[]>>;

  constructor(options: SqliteStoreOptions) {
    mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
    this.box = new SecretBox(loadSecretKey(options.dataDir, options.secretKey));
    this.eventLogLimit = Math.max(100, options.eventLogLimit ?? 50_000);
    this.path = join(options.dataDir, DB_FILE);
    try {
      secureDatabaseFiles(this.path);
      this.db = new Database(this.path);
      this.db.pragma("journal_mode = WAL");
      // NORMAL is durable across application crashes in WAL mode; only an OS crash may lose the last commit.
      this.db.pragma("synchronous = NORMAL");
      this.db.pragma("foreign_keys = ON");
      this.db.pragma("busy_timeout = 5000");
      const before = this.db.pragma("user_version", { simple: true }) as number;
      this.version = migrate(this.db, MIGRATIONS);
      if (before >= 1 && before < 2) this.moveSecretsToDefaultTenant();
    } catch (e) {
      throw new HubError("STORE", `cannot open the database ${this.path}: ${(e as Error).message}`, {
        cause: e,
      });
    }
    const db = this.db;
    this.st = {
      listTenants: db.prepare("SELECT * FROM tenants ORDER BY created_at, id"),
      getTenant: db.prepare("SELECT * FROM tenants WHERE id = ?"),
      putTenant: db.prepare(
        `INSERT INTO tenants (id, name, created_at, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT(id) DO UPDATE SET name=excluded.name, updated_at=excluded.updated_at`,
      ),
      deleteTenant: db.prepare("DELETE FROM tenants WHERE id = ?"),
      deleteTenantAccounts: db.prepare("DELETE FROM service_accounts WHERE tenant_id = ?"),
      deleteTenantEvents: db.prepare("DELETE FROM events WHERE tenant_id = ?"),
      listConnectors: db.prepare("SELECT * FROM connectors ORDER BY created_at, id"),
      listConnectorsOf: db.prepare("SELECT * FROM connectors WHERE tenant_id = ? ORDER BY created_at, id"),
      getConnector: db.prepare("SELECT * FROM connectors WHERE id = ?"),
      putConnector: db.prepare(
        `INSERT INTO connectors (id, tenant_id, type, name, description, enabled, config, created_at, updated_at)
         VALUES (@id, @tenant_id, @type, @name, @description, @enabled, @config, @created_at, @updated_at)
         ON CONFLICT(id) DO UPDATE SET type=excluded.type, name=excluded.name, description=excluded.description,
           enabled=excluded.enabled, config=excluded.config, updated_at=excluded.updated_at`,
      ),
      deleteConnector: db.prepare("DELETE FROM connectors WHERE id = ?"),
      deleteSecretsPrefix: db.prepare("DELETE FROM secrets WHERE substr(name, 1, ?) = ?"),
      getSecret: db.prepare("SELECT iv, tag, data FROM secrets WHERE name = ?"),
      setSecret: db.prepare(
        `INSERT INTO secrets (name, iv, tag, data, updated_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT(name) DO UPDATE SET iv=excluded.iv, tag=excluded.tag, data=excluded.data, updated_at=excluded.updated_at`,
      ),
      deleteSecret: db.prepare("DELETE FROM secrets WHERE name = ?"),
      getTeams: db.prepare("SELECT config FROM teams_settings WHERE tenant_id = ?"),
      putTeams: db.prepare(
        `INSERT INTO teams_settings (tenant_id, config, updated_at) VALUES (?, ?, ?)
         ON CONFLICT(tenant_id) DO UPDATE SET config=excluded.config, updated_at=excluded.updated_at`,
      ),
      listSa: db.prepare("SELECT * FROM service_accounts WHERE tenant_id = ? ORDER BY added_at, id"),
      putSa: db.prepare(
        `INSERT INTO service_accounts (id, tenant_id, upn, status, reason, added_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT(id) DO UPDATE SET upn=excluded.upn, status=excluded.status, reason=excluded.reason`,
      ),
      deleteSa: db.prepare("DELETE FROM service_accounts WHERE tenant_id = ? AND id = ?"),
      listEndpoints: db.prepare("SELECT * FROM endpoints ORDER BY display_name COLLATE NOCASE, id"),
      listEndpointsOf: db.prepare(
        "SELECT * FROM endpoints WHERE connector_id = ? ORDER BY display_name COLLATE NOCASE, id",
      ),
      getEndpoint: db.prepare("SELECT * FROM endpoints WHERE id = ?"),
      putEndpoint: db.prepare(
        `INSERT INTO endpoints (id, connector_id, pbx_guid, teams_user_id, match, enabled, display_name, email,
           h323, e164, created_at, updated_at)
         VALUES (@id, @connector_id, @pbx_guid, @teams_user_id, @match, @enabled, @display_name, @email, @h323,
           @e164, @created_at, @updated_at)
         ON CONFLICT(id) DO UPDATE SET teams_user_id=excluded.teams_user_id, match=excluded.match,
           enabled=excluded.enabled, display_name=excluded.display_name, email=excluded.email, h323=excluded.h323,
           e164=excluded.e164, updated_at=excluded.updated_at`,
      ),
      deleteEndpoint: db.prepare("DELETE FROM endpoints WHERE id = ?"),
      loadSync: db.prepare("SELECT endpoint_id, state FROM sync_state"),
      loadSyncOf: db.prepare(
        `SELECT s.endpoint_id, s.state FROM sync_state s JOIN endpoints e ON e.id = s.endpoint_id
         JOIN connectors c ON c.id = e.connector_id WHERE c.tenant_id = ?`,
      ),
      saveSync: db.prepare(
        `INSERT INTO sync_state (endpoint_id, state, updated_at) VALUES (?, ?, ?)
         ON CONFLICT(endpoint_id) DO UPDATE SET state=excluded.state, updated_at=excluded.updated_at`,
      ),
      deleteSync: db.prepare("DELETE FROM sync_state WHERE endpoint_id = ?"),
      getSetting: db.prepare("SELECT value FROM settings WHERE key = ?"),
      setSetting: db.prepare(
        "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value=excluded.value",
      ),
      insertEvent: db.prepare(
        `INSERT INTO events (at, level, kind, tenant_id, connector_id, endpoint_id, message, details)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      listUsers: db.prepare("SELECT * FROM users ORDER BY username COLLATE NOCASE"),
      getUser: db.prepare("SELECT * FROM users WHERE id = ?"),
      findUser: db.prepare("SELECT * FROM users WHERE username = ? COLLATE NOCASE"),
      putUser: db.prepare(
        `INSERT INTO users (id, username, password_hash, role, tenant_id, disabled, created_at, updated_at)
         VALUES (@id, @username, @password_hash, @role, @tenant_id, @disabled, @created_at, @updated_at)
         ON CONFLICT(id) DO UPDATE SET username=excluded.username, password_hash=excluded.password_hash,
           role=excluded.role, tenant_id=excluded.tenant_id, disabled=excluded.disabled, updated_at=excluded.updated_at`,
      ),
      deleteUser: db.prepare("DELETE FROM users WHERE id = ?"),
      trimEvents: db.prepare("DELETE FROM events WHERE id <= ?"),
    };
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  schemaVersion(): number {
    return this.version;
  }

  /**
   * Version 2 made the Microsoft 365 secrets per tenant. Secrets are sealed with their name as associated
   * data, so renaming means opening each with its old name and sealing it with the new one.
   */
  private moveSecretsToDefaultTenant(): void {
    const rows = this.db
      .prepare(
        "SELECT name, iv, tag, data FROM secrets WHERE name LIKE 'teams/%' OR name LIKE 'serviceAccount/%'",
      )
      .all() as { name: string; iv: Buffer; tag: Buffer; data: Buffer }[];
    const move = this.db.prepare("UPDATE secrets SET name = ?, iv = ?, tag = ?, data = ? WHERE name = ?");
    this.db.transaction(() => {
      for (const r of rows) {
        const name = `tenant/default/${r.name}`;
        const sealed = this.box.seal(name, this.box.open(r.name, r));
        move.run(name, sealed.iv, sealed.tag, sealed.data, r.name);
      }
    })();
  }

  // ------------------------------------------------------------ tenants

  listTenants(): StoredTenant[] {
    return (this.st.listTenants.all() as TenantRow[]).map(toTenant);
  }

  getTenant(id: string): StoredTenant | undefined {
    const r = this.st.getTenant.get(id) as TenantRow | undefined;
    return r ? toTenant(r) : undefined;
  }

  putTenant(t: StoredTenant): void {
    this.st.putTenant.run(t.id, t.name, t.createdAt, t.updatedAt);
  }

  deleteTenant(id: string): void {
    this.transaction(() => {
      // teams_settings and users go by ON DELETE CASCADE
      this.st.deleteTenantAccounts.run(id);
      this.st.deleteTenantEvents.run(id);
      this.st.deleteTenant.run(id);
      const prefix = `tenant/${id}/`;
      this.st.deleteSecretsPrefix.run(prefix.length, prefix);
    });
  }

  // ------------------------------------------------------------ connectors

  listConnectors(tenant?: string): StoredConnector[] {
    const rows = tenant === undefined ? this.st.listConnectors.all() : this.st.listConnectorsOf.all(tenant);
    return (rows as ConnectorRow[]).map(toConnector);
  }

  getConnector(id: string): StoredConnector | undefined {
    const r = this.st.getConnector.get(id) as ConnectorRow | undefined;
    return r ? toConnector(r) : undefined;
  }

  putConnector(c: StoredConnector): void {
    this.st.putConnector.run({
      id: c.id,
      tenant_id: c.tenant,
      type: c.type,
      name: c.name,
      description: c.description,
      enabled: c.enabled ? 1 : 0,
      config: JSON.stringify(c.config),
      created_at: c.createdAt,
      updated_at: c.updatedAt,
    });
  }

  deleteConnector(id: string): void {
    this.transaction(() => {
      // endpoints and sync_state go by ON DELETE CASCADE
      this.st.deleteConnector.run(id);
      const prefix = `connector/${id}/`;
      this.st.deleteSecretsPrefix.run(prefix.length, prefix);
    });
  }

  // ------------------------------------------------------------ secrets

  getSecret(name: string): string | undefined {
    const r = this.st.getSecret.get(name) as { iv: Buffer; tag: Buffer; data: Buffer } | undefined;
    return r ? this.box.open(name, r) : undefined;
  }

  setSecret(name: string, value: string): void {
    const s = this.box.seal(name, value);
    this.st.setSecret.run(name, s.iv, s.tag, s.data, new Date().toISOString());
  }

  deleteSecret(name: string): void {
    this.st.deleteSecret.run(name);
  }

  // ------------------------------------------------------------ Microsoft 365

  getTeamsSettings(tenant: string): StoredTeamsSettings | undefined {
    const r = this.st.getTeams.get(tenant) as { config: string } | undefined;
    return r ? JSON.parse(r.config) : undefined;
  }

  putTeamsSettings(tenant: string, s: StoredTeamsSettings): void {
    this.st.putTeams.run(tenant, JSON.stringify(s), s.updatedAt);
  }

  listServiceAccounts(tenant: string): StoredServiceAccount[] {
    return (
      this.st.listSa.all(tenant) as {
        id: string;
        upn: string;
        status: string;
        reason: string | null;
        added_at: string;
      }[]
    ).map((r) => ({
      id: r.id,
      upn: r.upn,
      status: r.status as StoredServiceAccount["status"],
      ...(r.reason ? { reason: r.reason } : {}),
      addedAt: r.added_at,
    }));
  }

  putServiceAccount(tenant: string, a: StoredServiceAccount): void {
    this.st.putSa.run(a.id, tenant, a.upn, a.status, a.reason ?? null, a.addedAt);
  }

  deleteServiceAccount(tenant: string, id: string): void {
    this.transaction(() => {
      this.st.deleteSa.run(tenant, id);
      this.st.deleteSecret.run(`tenant/${tenant}/serviceAccount/${id}/refreshToken`);
    });
  }

  // ------------------------------------------------------------ endpoints

  listEndpoints(connectorId?: string): StoredEndpoint[] {
    const rows = (
      connectorId === undefined ? this.st.listEndpoints.all() : this.st.listEndpointsOf.all(connectorId)
    ) as EndpointRow[];
    return rows.map(toEndpoint);
  }

  getEndpoint(id: string): StoredEndpoint | undefined {
    const r = this.st.getEndpoint.get(id) as EndpointRow | undefined;
    return r ? toEndpoint(r) : undefined;
  }

  putEndpoints(endpoints: StoredEndpoint[]): void {
    if (endpoints.length === 0) return;
    this.transaction(() => {
      for (const e of endpoints) {
        this.st.putEndpoint.run({
          id: e.id,
          connector_id: e.connectorId,
          pbx_guid: e.pbxGuid,
          teams_user_id: e.teamsUserId,
          match: e.match,
          enabled: e.enabled ? 1 : 0,
          display_name: e.displayName,
          email: e.email,
          h323: e.h323,
          e164: e.e164,
          created_at: e.createdAt,
          updated_at: e.updatedAt,
        });
      }
    });
  }

  deleteEndpoint(id: string): void {
    this.st.deleteEndpoint.run(id);
  }

  // ------------------------------------------------------------ sync state

  loadSyncStates(tenant?: string): Map<string, HubSetState> {
    const out = new Map<string, HubSetState>();
    const rows = tenant === undefined ? this.st.loadSync.all() : this.st.loadSyncOf.all(tenant);
    for (const r of rows as { endpoint_id: string; state: string }[]) {
      out.set(r.endpoint_id, JSON.parse(r.state));
    }
    return out;
  }

  saveSyncState(endpointId: string, state: HubSetState): void {
    this.st.saveSync.run(endpointId, JSON.stringify(state), new Date().toISOString());
  }

  deleteSyncState(endpointId: string): void {
    this.st.deleteSync.run(endpointId);
  }

  // ------------------------------------------------------------ settings

  getSetting<T>(key: string): T | undefined {
    const r = this.st.getSetting.get(key) as { value: string } | undefined;
    return r ? (JSON.parse(r.value) as T) : undefined;
  }

  setSetting(key: string, value: unknown): void {
    this.st.setSetting.run(key, JSON.stringify(value));
  }

  // ------------------------------------------------------------ events

  appendEvents(events: NewEvent[]): HubEvent[] {
    if (events.length === 0) return [];
    return this.transaction(() => {
      const out: HubEvent[] = [];
      let lastId = 0;
      for (const e of events) {
        const at = e.at ?? new Date().toISOString();
        const info = this.st.insertEvent.run(
          at,
          e.level,
          e.kind,
          e.tenant ?? null,
          e.connectorId ?? null,
          e.endpointId ?? null,
          e.message,
          e.details ? JSON.stringify(e.details) : null,
        );
        lastId = Number(info.lastInsertRowid);
        const ev: HubEvent = { id: lastId, at, level: e.level, kind: e.kind, message: e.message };
        if (e.tenant) ev.tenant = e.tenant;
        if (e.connectorId) ev.connectorId = e.connectorId;
        if (e.endpointId) ev.endpointId = e.endpointId;
        if (e.details) ev.details = e.details;
        out.push(ev);
      }
      // Ring trim: ids are monotonic (AUTOINCREMENT), so everything at or below lastId - limit is the oldest.
      if (lastId > this.eventLogLimit) this.st.trimEvents.run(lastId - this.eventLogLimit);
      return out;
    });
  }

  listEvents(query: EventStoreQuery): HubEvent[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (query.tenant) {
      where.push("tenant_id = ?");
      args.push(query.tenant);
    }
    if (query.endpointId) {
      where.push("endpoint_id = ?");
      args.push(query.endpointId);
    }
    if (query.connectorId) {
      where.push("connector_id = ?");
      args.push(query.connectorId);
    }
    if (query.kinds?.length) {
      // A family "decision" is the range "decision." ≤ kind < "decision/" ('/' follows '.'), plus the bare word.
      const terms = query.kinds.map((k) => {
        if (k.includes(".")) {
          args.push(k);
          return "kind = ?";
        }
        args.push(k, `${k}.`, `${k}/`);
        return "(kind = ? OR (kind >= ? AND kind < ?))";
      });
      where.push(`(${terms.join(" OR ")})`);
    }
    if (query.levels) {
      where.push(`level IN (${query.levels.map(() => "?").join(", ") || "NULL"})`);
      args.push(...query.levels);
    }
    if (query.beforeId !== undefined) {
      where.push("id < ?");
      args.push(query.beforeId);
    }
    const sql = `SELECT * FROM events ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY id DESC LIMIT ?`;
    args.push(Math.max(1, Math.min(1000, query.limit)));
    return (this.db.prepare(sql).all(...args) as EventRow[]).map(toEvent);
  }

  // ------------------------------------------------------------ admin users

  listUsers(): StoredUser[] {
    return (this.st.listUsers.all() as UserRow[]).map(toUser);
  }

  getUser(id: string): StoredUser | undefined {
    const r = this.st.getUser.get(id) as UserRow | undefined;
    return r ? toUser(r) : undefined;
  }

  findUser(username: string): StoredUser | undefined {
    const r = this.st.findUser.get(username) as UserRow | undefined;
    return r ? toUser(r) : undefined;
  }

  putUser(u: StoredUser): void {
    this.st.putUser.run({
      id: u.id,
      username: u.username,
      password_hash: u.passwordHash,
      role: u.role,
      tenant_id: u.tenant,
      disabled: u.disabled ? 1 : 0,
      created_at: u.createdAt,
      updated_at: u.updatedAt,
    });
  }

  deleteUser(id: string): void {
    this.st.deleteUser.run(id);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

interface TenantRow {
  id: string;
  name: string;
  created_at: string;
  updated_at: string;
}

function toTenant(r: TenantRow): StoredTenant {
  return { id: r.id, name: r.name, createdAt: r.created_at, updatedAt: r.updated_at };
}

export function openSqliteStore(options: SqliteStoreOptions): SqliteStore {
  return new SqliteStore(options);
}
