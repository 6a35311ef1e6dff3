// The shared store: PostgreSQL behind HubStore, for several hub instances (PRESENCE_HUB_DATABASE_URL).
// Configuration is read from a copy in memory (postgres-mirror.ts) that every write refreshes — this
// instance's right after its commit, the others' through LISTEN/NOTIFY — so reads stay synchronous and
// keep answering while the database is away. Writes of one instance commit in order, one transaction
// each; hub-set state saves may carry a fence (the tenant's lease) and are refused for a stale owner.
// Secrets are sealed with the same AES-256-GCM box as the embedded store: every instance needs the same
// PRESENCE_HUB_SECRET_KEY, which a sealed check value in the database verifies at start.
import pg from "pg";
import { backoffDelay } from "../../common/backoff.js";
import { errorMessage, HubError } from "../../common/errors.js";
import { type Logger, logger } from "../../common/log.js";
import type { HubSetState } from "../../engine/sync/types.js";
import type { HubEvent } from "../hub/types.js";
import { loadSecretKey, SECRET_KEY_ENV, SecretBox } from "./crypto.js";
import { eventQuerySql } from "./event-query.js";
import { migratePostgres } from "./postgres-migrate.js";
import { CONFIG_TABLES, ConfigMirror } from "./postgres-mirror.js";
import { PgListener } from "./postgres-listen.js";
import { recordWrites } from "./postgres-writes.js";
import { type EndpointRow, type EventRow, newEventRecord, type SessionRow, toEndpoint, toEvent, toSession } from "./rows.js";
import type {
  ConfigTable,
  EventStoreQuery,
  Fence,
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

export const CONFIG_CHANNEL = "presence_hub_config";
const KEY_CHECK = "hub/key-check";

export interface PgStoreOptions {
  /** postgres://user:password@host:port/database */
  url: string;
  /** This instance (the sender of its change notifications). */
  instanceId: string;
  /** Base64 32-byte key; default PRESENCE_HUB_SECRET_KEY, else <dataDir>/secret.key. */
  secretKey?: string;
  dataDir: string;
  /** Bound of the event log in rows (oldest trimmed first), default 50_000. */
  eventLogLimit?: number;
  /** Connections for queries and writes (the LISTEN connection comes on top), default 10. */
  poolSize?: number;
  /** How long open() waits for an unreachable database before it gives up; default: for ever. */
  connectTimeoutMs?: number;
  log?: Logger;
}

/** Connection-level failures: the database is away (retried), not a wrong statement. */
function unavailable(e: unknown): boolean {
  const code = (e as { code?: string }).code ?? "";
  return (
    ["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ENOTFOUND", "EHOSTUNREACH"].includes(code) ||
    code.startsWith("08") || // connection exception
    code === "57P01" || // admin shutdown
    code === "57P02" ||
    code === "57P03" || // cannot connect now (starting up)
    /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(
      errorMessage(e),
    )
  );
}

function storeError(e: unknown, what: string): HubError {
  if (e instanceof HubError) return e;
  if (unavailable(e)) return new HubError("STORE_UNAVAILABLE", `the database is unreachable (${what}): ${errorMessage(e)}`, { cause: e });
  return new HubError("STORE", `${what} failed: ${errorMessage(e)}`, { cause: e });
}

/** PostgreSQL's BIGINT (epoch ms, ids) as JavaScript numbers; every value the hub stores fits in 2^53. */
const types = {
  getTypeParser: ((oid: number, format?: "text" | "binary") =>
    oid === pg.types.builtins.INT8 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

export class PgStore implements HubStore {
  readonly kind = "postgres" as const;
  private readonly mirror = new ConfigMirror();
  private readonly externalListeners = new Set<(tables: ConfigTable[]) => void>();
  /** This instance's writes, one after the other (so they commit in the order they were made). */
  private writeChain: Promise<unknown> = Promise.resolve();
  private reloadChain: Promise<unknown> = Promise.resolve();
  private version = 0;
  private closed = false;

  private constructor(
    readonly pool: pg.Pool,
    readonly listener: PgListener,
    private readonly box: SecretBox,
    private readonly o: PgStoreOptions,
    private readonly log: Logger,
  ) {}

  static async open(o: PgStoreOptions): Promise<PgStore> {
    const log = o.log ?? logger("store");
    const box = new SecretBox(loadSecretKey(o.dataDir, o.secretKey));
    const config: pg.ClientConfig = {
      connectionString: o.url,
      types,
      connectionTimeoutMillis: 5000,
      // A statement that hangs (a database that stopped answering) fails instead of holding the hub up.
      statement_timeout: 15_000,
      query_timeout: 20_000,
      application_name: `presence-hub ${o.instanceId}`,
      keepAlive: true,
    };
    const pool = new pg.Pool({ ...config, max: o.poolSize ?? 10, idleTimeoutMillis: 30_000 });
    // An idle connection that breaks must not crash the process; the next query reconnects.
    pool.on("error", (e) => log.warn({ err: errorMessage(e) }, "idle database connection lost"));
    const store = new PgStore(pool, new PgListener(config, log), box, o, log);
    try {
      await store.connect();
    } catch (e) {
      await pool.end().catch(() => undefined);
      await store.listener.close();
      throw e;
    }
    return store;
  }

  private async connect(): Promise<void> {
    const started = Date.now();
    for (let attempt = 0; ; attempt++) {
      try {
        const client = await this.pool.connect();
        try {
          this.version = await migratePostgres(client);
        } finally {
          client.release();
        }
        break;
      } catch (e) {
        const err = storeError(e, "connecting");
        const waited = Date.now() - started;
        if (err.code !== "STORE_UNAVAILABLE" || waited >= (this.o.connectTimeoutMs ?? Number.POSITIVE_INFINITY)) throw err;
        this.log.warn({ err: err.message, attempt }, "waiting for the database");
        await new Promise((r) => setTimeout(r, backoffDelay(attempt, { baseMs: 500, capMs: 10_000 })));
      }
    }
    await this.checkSecretKey();
    await this.listener.start();
    await this.listener.listen(CONFIG_CHANNEL, (payload) => this.onNotification(payload));
    this.listener.onReconnect(() => this.refresh(CONFIG_TABLES, true));
    await this.mirror.reload(this.pool);
  }

  /** Every instance must seal with the same key: a check value sealed by the first one proves it. */
  private async checkSecretKey(): Promise<void> {
    const sealed = this.box.seal(KEY_CHECK, "presence-hub");
    await this.pool.query(
      "INSERT INTO secrets (name, iv, tag, data, updated_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (name) DO NOTHING",
      [KEY_CHECK, sealed.iv, sealed.tag, sealed.data, new Date().toISOString()],
    );
    const r = await this.pool.query("SELECT iv, tag, data FROM secrets WHERE name = $1", [KEY_CHECK]);
    try {
      this.box.open(KEY_CHECK, r.rows[0]);
    } catch {
      throw new HubError(
        "CONFIG_INVALID",
        `the database's secrets were sealed with another key: every instance needs the same ${SECRET_KEY_ENV}`,
      );
    }
  }

  private onNotification(payload: string): void {
    let msg: { from?: string; tables?: ConfigTable[] };
    try {
      msg = JSON.parse(payload);
    } catch {
      return;
    }
    if (msg.from === this.o.instanceId || !Array.isArray(msg.tables)) return;
    this.refresh(msg.tables.filter((t) => CONFIG_TABLES.includes(t)), true);
  }

  /** Reload tables into the copy (one reload at a time: a later one never loses to an earlier). */
  private refresh(tables: ConfigTable[], external: boolean): Promise<void> {
    const run = this.reloadChain.then(async () => {
      if (this.closed) return;
      await this.mirror.reload(this.pool, tables);
      if (external) for (const l of this.externalListeners) l(tables);
    });
    this.reloadChain = run.catch((e) =>
      this.log.warn({ tables, err: errorMessage(e) }, "configuration copy not refreshed; refreshed on reconnect"),
    );
    return run;
  }

  onExternalChange(listener: (tables: ConfigTable[]) => void): () => void {
    this.externalListeners.add(listener);
    return () => this.externalListeners.delete(listener);
  }

  schemaVersion(): number {
    return this.version;
  }

  /** Whether the database answers (health). */
  async ping(): Promise<boolean> {
    try {
      await this.pool.query("SELECT 1");
      return true;
    } catch {
      return false;
    }
  }

  // ------------------------------------------------------------ writes

  write(fn: (w: StoreWriter) => void): Promise<void> {
    const { statements, tables } = recordWrites(this.box, fn);
    const run = this.writeChain.then(async () => {
      if (statements.length === 0) return;
      await this.transaction("write", async (c) => {
        for (const st of statements) await c.query(st.sql, st.params);
        if (tables.size > 0)
          await c.query("SELECT pg_notify($1, $2)", [
            CONFIG_CHANNEL,
            JSON.stringify({ from: this.o.instanceId, tables: [...tables] }),
          ]);
      });
      // Committed: this instance reads its own write from here on.
      if (tables.size > 0) await this.refresh([...tables], false).catch(() => undefined);
    });
    this.writeChain = run.catch(() => undefined);
    return run;
  }

  private async transaction<T>(what: string, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (e) {
      throw storeError(e, what);
    }
    try {
      await client.query("BEGIN");
      const out = await fn(client);
      await client.query("COMMIT");
      return out;
    } catch (e) {
      await client.query("ROLLBACK").catch(() => undefined);
      throw storeError(e, what);
    } finally {
      client.release();
    }
  }

  private async query<R extends pg.QueryResultRow>(what: string, sql: string, params: unknown[] = []): Promise<R[]> {
    try {
      return (await this.pool.query<R>(sql, params)).rows;
    } catch (e) {
      throw storeError(e, what);
    }
  }

  // ------------------------------------------------------------ configuration (from the copy)

  listTenants(): StoredTenant[] {
    return [...this.mirror.tenants];
  }

  getTenant(id: string): StoredTenant | undefined {
    return this.mirror.tenants.find((t) => t.id === id);
  }

  listConnectors(tenant?: string): StoredConnector[] {
    return this.mirror.connectors.filter((c) => tenant === undefined || c.tenant === tenant);
  }

  getConnector(id: string): StoredConnector | undefined {
    return this.mirror.connectorById.get(id);
  }

  getSecret(name: string): string | undefined {
    const s = this.mirror.secrets.get(name);
    return s ? this.box.open(name, s) : undefined;
  }

  getTeamsSettings(tenant: string): StoredTeamsSettings | undefined {
    return this.mirror.teams.get(tenant);
  }

  listServiceAccounts(tenant: string): StoredServiceAccount[] {
    return [...(this.mirror.serviceAccounts.get(tenant) ?? [])];
  }

  getSetting<T>(key: string): T | undefined {
    return this.mirror.settings.get(key) as T | undefined;
  }

  listUsers(): StoredUser[] {
    return [...this.mirror.users];
  }

  getUser(id: string): StoredUser | undefined {
    return this.mirror.users.find((u) => u.id === id);
  }

  findUser(username: string): StoredUser | undefined {
    const n = username.toLowerCase();
    return this.mirror.users.find((u) => u.username.toLowerCase() === n);
  }

  // ------------------------------------------------------------ endpoints and sync state

  async listEndpoints(connectorId?: string): Promise<StoredEndpoint[]> {
    const rows =
      connectorId === undefined
        ? await this.query<EndpointRow>("listing endpoints", "SELECT * FROM endpoints ORDER BY lower(display_name), id")
        : await this.query<EndpointRow>(
            "listing endpoints",
            "SELECT * FROM endpoints WHERE connector_id = $1 ORDER BY lower(display_name), id",
            [connectorId],
          );
    return rows.map(toEndpoint);
  }

  async endpointTenant(id: string): Promise<string | undefined> {
    const rows = await this.query<{ tenant_id: string }>(
      "finding an endpoint's tenant",
      "SELECT c.tenant_id FROM endpoints e JOIN connectors c ON c.id = e.connector_id WHERE e.id = $1",
      [id],
    );
    return rows[0]?.tenant_id;
  }

  async loadSyncStates(tenant?: string): Promise<Map<string, HubSetState>> {
    const rows =
      tenant === undefined
        ? await this.query<{ endpoint_id: string; state: string }>("loading hub-set state", "SELECT endpoint_id, state FROM sync_state")
        : await this.query<{ endpoint_id: string; state: string }>(
            "loading hub-set state",
            `SELECT s.endpoint_id, s.state FROM sync_state s JOIN endpoints e ON e.id = s.endpoint_id
             JOIN connectors c ON c.id = e.connector_id WHERE c.tenant_id = $1`,
            [tenant],
          );
    return new Map(rows.map((r) => [r.endpoint_id, JSON.parse(r.state) as HubSetState]));
  }

  async saveSyncStates(changes: ReadonlyMap<string, HubSetState | null>, fence?: Fence): Promise<void> {
    const saveIds: string[] = [];
    const states: string[] = [];
    const removeIds: string[] = [];
    for (const [id, state] of changes) {
      if (state === null) removeIds.push(id);
      else {
        saveIds.push(id);
        states.push(JSON.stringify(state));
      }
    }
    // One statement, so one round trip: the lease row is share-locked while the rows are written, so a
    // takeover (which updates it) either waits for this save or is seen by it.
    const held = fence
      ? "EXISTS (SELECT 1 FROM leases WHERE resource = $4 AND owner = $5 AND token = $6 FOR SHARE)"
      : "TRUE";
    const params: unknown[] = [saveIds, states, removeIds];
    if (fence) params.push(fence.resource, fence.owner, fence.token);
    const rows = await this.query<{ held: boolean }>(
      "saving hub-set state",
      `WITH fence AS (SELECT ${held} AS held),
       removed AS (DELETE FROM sync_state WHERE endpoint_id = ANY($3::text[]) AND (SELECT held FROM fence)),
       saved AS (
         INSERT INTO sync_state (endpoint_id, state, updated_at)
         SELECT x.id, x.state, now()::text FROM unnest($1::text[], $2::text[]) AS x(id, state)
         WHERE (SELECT held FROM fence) AND EXISTS (SELECT 1 FROM endpoints e WHERE e.id = x.id)
         ON CONFLICT (endpoint_id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at)
       SELECT held FROM fence`,
      params,
    );
    if (!rows[0]?.held) {
      throw new HubError("STORE_FENCED", `hub-set state not saved: ${fence?.resource} is owned by another instance now`);
    }
  }

  // ------------------------------------------------------------ events

  async appendEvents(events: NewEvent[]): Promise<HubEvent[]> {
    if (events.length === 0) return [];
    const at = events.map((e) => e.at ?? new Date().toISOString());
    const col = <T>(f: (e: NewEvent) => T) => events.map(f);
    const rows = await this.query<{ id: number }>(
      "appending events",
      `INSERT INTO events (at, level, kind, tenant_id, connector_id, endpoint_id, message, details)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])
       RETURNING id`,
      [
        at,
        col((e) => e.level),
        col((e) => e.kind),
        col((e) => e.tenant ?? null),
        col((e) => e.connectorId ?? null),
        col((e) => e.endpointId ?? null),
        col((e) => e.message),
        col((e) => (e.details ? JSON.stringify(e.details) : null)),
      ],
    );
    // The sequence numbers the rows in the order unnest produced them.
    const ids = rows.map((r) => r.id).sort((a, b) => a - b);
    const limit = Math.max(100, this.o.eventLogLimit ?? 50_000);
    const last = ids[ids.length - 1] ?? 0;
    if (last > limit) await this.query("trimming events", "DELETE FROM events WHERE id <= $1", [last - limit]).catch(() => undefined);
    return events.map((e, i) => newEventRecord(ids[i] ?? 0, at[i] ?? "", e));
  }

  async listEvents(query: EventStoreQuery): Promise<HubEvent[]> {
    const { sql, args } = eventQuerySql(query, (n) => `$${n}`, ` COLLATE "C"`);
    return (await this.query<EventRow>("listing events", sql, args)).map(toEvent);
  }

  // ------------------------------------------------------------ sessions

  async getSession(idHash: string): Promise<StoredSession | undefined> {
    const rows = await this.query<SessionRow>("reading a session", "SELECT * FROM sessions WHERE id_hash = $1", [idHash]);
    return rows[0] ? toSession(rows[0]) : undefined;
  }

  async putSession(s: StoredSession): Promise<void> {
    await this.query(
      "storing a session",
      `INSERT INTO sessions (id_hash, user_id, principal, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (id_hash) DO UPDATE SET principal = excluded.principal, expires_at = excluded.expires_at`,
      [s.idHash, s.userId ?? null, JSON.stringify(s.principal), s.createdAt, s.expiresAt],
    );
  }

  async deleteSessions(
    which: { idHash: string } | { userId: string; keep?: string } | { expiredAt: number },
  ): Promise<number> {
    const [sql, params] =
      "idHash" in which
        ? ["DELETE FROM sessions WHERE id_hash = $1", [which.idHash]]
        : "userId" in which
          ? ["DELETE FROM sessions WHERE user_id = $1 AND id_hash <> $2", [which.userId, which.keep ?? ""]]
          : ["DELETE FROM sessions WHERE expires_at <= $1", [which.expiredAt]];
    try {
      return (await this.pool.query(sql, params)).rowCount ?? 0;
    } catch (e) {
      throw storeError(e, "deleting sessions");
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.writeChain;
    await this.listener.close();
    await this.pool.end().catch(() => undefined);
  }
}
