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
import {
  type ConnectorRow,
  type EndpointRow,
  type EventRow,
  type TenantRow,
  type UserRow,
  toConnector,
  toEndpoint,
  toEvent,
  toTenant,
  toUser,
} from "./sqlite-rows.js";
import { prepareStatements, type Statements } from "./sqlite-statements.js";
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

export class SqliteStore implements HubStore {
  readonly path: string;
  private readonly db: Database.Database;
  private readonly box: SecretBox;
  private readonly eventLogLimit: number;
  private readonly version: number;
  private readonly st: Statements;

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
    this.st = prepareStatements(this.db);
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

export function openSqliteStore(options: SqliteStoreOptions): SqliteStore {
  return new SqliteStore(options);
}
