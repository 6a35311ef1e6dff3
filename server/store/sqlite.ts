// The embedded store: one SQLite file (<dataDir>/hub.db, WAL) implementing HubStore. Statements are
// prepared once; each write() runs in one transaction (synchronously: the promise only reports it);
// secrets are sealed with AES-256-GCM before they touch the database. The database files are owner-only (0600), the data directory 0700 when created.
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
  newEventRecord,
  type ServiceAccountRow,
  type SessionRow,
  type TenantRow,
  type UserRow,
  toConnector,
  toEndpoint,
  toEvent,
  toServiceAccount,
  toSession,
  toTenant,
  toUser,
} from "./rows.js";
import { prepareStatements, type Statements } from "./sqlite-statements.js";
import { eventQuerySql } from "./event-query.js";
import type {
  ConfigTable,
  EventStoreQuery,
  HubStore,
  NewEvent,
  StoredConnector,
  StoredEndpoint,
  StoredServiceAccount,
  StoredSession,
  StoredTeamsSettings,
  StoredTenant,
  StoredUser,
  StoreWriter,
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
  readonly kind = "sqlite" as const;
  readonly path: string;
  private readonly db: Database.Database;
  private readonly box: SecretBox;
  private readonly eventLogLimit: number;
  private readonly version: number;
  private readonly st: Statements;
  /** The writes of write(fn), run directly inside its transaction. */
  private readonly writer: StoreWriter;

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
    this.writer = this.createWriter();
  }

  schemaVersion(): number {
    return this.version;
  }

  async write(fn: (w: StoreWriter) => void): Promise<void> {
    this.db.transaction(() => fn(this.writer))();
  }

  /** One instance only: nobody else writes. */
  onExternalChange(_listener: (tables: ConfigTable[]) => void): () => void {
    return () => undefined;
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

  private createWriter(): StoreWriter {
    const st = this.st;
    const deletePrefix = (prefix: string) => st.deleteSecretsPrefix.run(prefix.length, prefix);
    return {
      putTenant: (t) => st.putTenant.run(t.id, t.name, t.createdAt, t.updatedAt),
      deleteTenant: (id) => {
        // teams_settings and users go by ON DELETE CASCADE
        st.deleteTenantAccounts.run(id);
        st.deleteTenantEvents.run(id);
        st.deleteTenant.run(id);
        deletePrefix(`tenant/${id}/`);
      },
      putConnector: (c) =>
        st.putConnector.run({
          id: c.id,
          tenant_id: c.tenant,
          type: c.type,
          name: c.name,
          description: c.description,
          enabled: c.enabled ? 1 : 0,
          config: JSON.stringify(c.config),
          created_at: c.createdAt,
          updated_at: c.updatedAt,
        }),
      deleteConnector: (id) => {
        // endpoints and sync_state go by ON DELETE CASCADE
        st.deleteConnector.run(id);
        deletePrefix(`connector/${id}/`);
      },
      setSecret: (name, value) => {
        const s = this.box.seal(name, value);
        st.setSecret.run(name, s.iv, s.tag, s.data, new Date().toISOString());
      },
      deleteSecret: (name) => st.deleteSecret.run(name),
      putTeamsSettings: (tenant, s) => st.putTeams.run(tenant, JSON.stringify(s), s.updatedAt),
      putServiceAccount: (tenant, a) => st.putSa.run(a.id, tenant, a.upn, a.status, a.reason ?? null, a.addedAt),
      deleteServiceAccount: (tenant, id) => {
        st.deleteSa.run(tenant, id);
        st.deleteSecret.run(`tenant/${tenant}/serviceAccount/${id}/refreshToken`);
      },
      putEndpoints: (endpoints) => {
        for (const e of endpoints) {
          st.putEndpoint.run({
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
      },
      deleteEndpoint: (id) => st.deleteEndpoint.run(id),
      setSetting: (key, value) => st.setSetting.run(key, JSON.stringify(value)),
      putUser: (u) =>
        st.putUser.run({
          id: u.id,
          username: u.username,
          password_hash: u.passwordHash,
          role: u.role,
          tenant_id: u.tenant,
          disabled: u.disabled ? 1 : 0,
          created_at: u.createdAt,
          updated_at: u.updatedAt,
        }),
      deleteUser: (id) => st.deleteUser.run(id),
    };
  }

  // ------------------------------------------------------------ configuration (read)

  listTenants(): StoredTenant[] {
    return (this.st.listTenants.all() as TenantRow[]).map(toTenant);
  }

  getTenant(id: string): StoredTenant | undefined {
    const r = this.st.getTenant.get(id) as TenantRow | undefined;
    return r ? toTenant(r) : undefined;
  }

  listConnectors(tenant?: string): StoredConnector[] {
    const rows = tenant === undefined ? this.st.listConnectors.all() : this.st.listConnectorsOf.all(tenant);
    return (rows as ConnectorRow[]).map(toConnector);
  }

  getConnector(id: string): StoredConnector | undefined {
    const r = this.st.getConnector.get(id) as ConnectorRow | undefined;
    return r ? toConnector(r) : undefined;
  }

  getSecret(name: string): string | undefined {
    const r = this.st.getSecret.get(name) as { iv: Buffer; tag: Buffer; data: Buffer } | undefined;
    return r ? this.box.open(name, r) : undefined;
  }

  getTeamsSettings(tenant: string): StoredTeamsSettings | undefined {
    const r = this.st.getTeams.get(tenant) as { config: string } | undefined;
    return r ? JSON.parse(r.config) : undefined;
  }

  listServiceAccounts(tenant: string): StoredServiceAccount[] {
    return (this.st.listSa.all(tenant) as ServiceAccountRow[]).map(toServiceAccount);
  }

  getSetting<T>(key: string): T | undefined {
    const r = this.st.getSetting.get(key) as { value: string } | undefined;
    return r ? (JSON.parse(r.value) as T) : undefined;
  }

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

  // ------------------------------------------------------------ endpoints and sync state

  async listEndpoints(connectorId?: string): Promise<StoredEndpoint[]> {
    const rows = (
      connectorId === undefined ? this.st.listEndpoints.all() : this.st.listEndpointsOf.all(connectorId)
    ) as EndpointRow[];
    return rows.map(toEndpoint);
  }

  async endpointTenant(id: string): Promise<string | undefined> {
    return (this.st.endpointTenant.get(id) as { tenant_id: string } | undefined)?.tenant_id;
  }

  async loadSyncStates(tenant?: string): Promise<Map<string, HubSetState>> {
    const out = new Map<string, HubSetState>();
    const rows = tenant === undefined ? this.st.loadSync.all() : this.st.loadSyncOf.all(tenant);
    for (const r of rows as { endpoint_id: string; state: string }[]) {
      out.set(r.endpoint_id, JSON.parse(r.state));
    }
    return out;
  }

  /** One instance only: a fence always holds. */
  async saveSyncStates(changes: ReadonlyMap<string, HubSetState | null>): Promise<void> {
    const now = new Date().toISOString();
    const save = () => {
      for (const [id, state] of changes) {
        if (state === null) this.st.deleteSync.run(id);
        // Only a row whose endpoint still exists (the foreign key would fail the whole batch).
        else this.st.saveSync.run(id, JSON.stringify(state), now, id);
      }
    };
    // Most saves carry one row (the intent before a write); it needs no explicit BEGIN/COMMIT.
    if (changes.size === 1) save();
    else this.db.transaction(save)();
  }

  // ------------------------------------------------------------ events

  async appendEvents(events: NewEvent[]): Promise<HubEvent[]> {
    if (events.length === 0) return [];
    return this.db.transaction(() => {
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
        out.push(newEventRecord(lastId, at, e));
      }
      // Ring trim: ids are monotonic (AUTOINCREMENT), so everything at or below lastId - limit is the oldest.
      if (lastId > this.eventLogLimit) this.st.trimEvents.run(lastId - this.eventLogLimit);
      return out;
    })();
  }

  async listEvents(query: EventStoreQuery): Promise<HubEvent[]> {
    const { sql, args } = eventQuerySql(query, () => "?");
    return (this.db.prepare(sql).all(...args) as EventRow[]).map(toEvent);
  }

  // ------------------------------------------------------------ sessions

  async getSession(idHash: string): Promise<StoredSession | undefined> {
    const r = this.st.getSession.get(idHash) as SessionRow | undefined;
    return r ? toSession(r) : undefined;
  }

  async putSession(s: StoredSession): Promise<void> {
    this.st.putSession.run(s.idHash, s.userId ?? null, JSON.stringify(s.principal), s.createdAt, s.expiresAt);
  }

  async deleteSessions(
    which: { idHash: string } | { userId: string; keep?: string } | { expiredAt: number },
  ): Promise<number> {
    if ("idHash" in which) return this.st.deleteSession.run(which.idHash).changes;
    if ("userId" in which) return this.st.deleteUserSessions.run(which.userId, which.keep ?? "").changes;
    return this.st.deleteExpiredSessions.run(which.expiredAt).changes;
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}

export function openSqliteStore(options: SqliteStoreOptions): SqliteStore {
  return new SqliteStore(options);
}
