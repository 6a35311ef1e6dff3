// Leases with fencing tokens in the shared store. A lease names a resource ("tenant:<id>"), its owner (an
// instance id), the token it was acquired with and when it runs out (the database's clock). Acquiring an
// expired or free lease bumps the token, so whatever the previous owner still sends with its token is
// refused (PgStore.saveSyncStates). Renewal and release check the token too: an owner that lost its lease
// cannot extend or free its successor's.
import type pg from "pg";
import { LEASES_CHANNEL, NOW_MS } from "./sql.js";

export interface Lease {
  resource: string;
  owner: string | null;
  token: number;
  /** Epoch ms (database clock); 0 when released. */
  expiresAt: number;
}

export interface HeldLease {
  resource: string;
  token: number;
}

export class LeaseTable {
  constructor(private readonly pool: pg.Pool) {}

  /**
   * Take the lease if it is free, expired or already ours; the new token, or undefined when held by another.
   * The peers are told (they learn who to hand the tenant's requests to).
   */
  async acquire(resource: string, owner: string, ttlMs: number): Promise<number | undefined> {
    const r = await this.pool.query<{ token: number }>(
      `WITH taken AS (
         INSERT INTO leases (resource, owner, token, expires_at) VALUES ($1, $2, 1, ${NOW_MS} + $3)
         ON CONFLICT (resource) DO UPDATE SET owner = excluded.owner, token = leases.token + 1,
           expires_at = excluded.expires_at
         WHERE leases.owner IS NULL OR leases.owner = excluded.owner OR leases.expires_at < ${NOW_MS}
         RETURNING token)
       SELECT token, pg_notify($4, $1) FROM taken`,
      [resource, owner, ttlMs, LEASES_CHANNEL],
    );
    const t = r.rows[0]?.token;
    return t === undefined ? undefined : Number(t);
  }

  /** Extend the leases still held with these tokens; returns the resources renewed (the others are lost). */
  async renew(owner: string, held: HeldLease[], ttlMs: number): Promise<Set<string>> {
    if (held.length === 0) return new Set();
    const r = await this.pool.query<{ resource: string }>(
      `UPDATE leases l SET expires_at = ${NOW_MS} + $2
       FROM unnest($3::text[], $4::bigint[]) AS h(resource, token)
       WHERE l.resource = h.resource AND l.token = h.token AND l.owner = $1
       RETURNING l.resource`,
      [owner, ttlMs, held.map((h) => h.resource), held.map((h) => h.token)],
    );
    return new Set(r.rows.map((x) => x.resource));
  }

  /** Give the lease up now (a peer may take it at once) and tell the others. */
  async release(resource: string, owner: string, token: number): Promise<boolean> {
    const r = await this.pool.query(
      `WITH released AS (
         UPDATE leases SET owner = NULL, expires_at = 0 WHERE resource = $1 AND owner = $2 AND token = $3 RETURNING resource)
       SELECT pg_notify($4, resource) FROM released`,
      [resource, owner, token, LEASES_CHANNEL],
    );
    return (r.rowCount ?? 0) > 0;
  }

  async list(): Promise<Lease[]> {
    const r = await this.pool.query<{ resource: string; owner: string | null; token: number; expires_at: number }>(
      `SELECT resource, CASE WHEN expires_at >= ${NOW_MS} THEN owner END AS owner, token, expires_at FROM leases`,
    );
    // BIGINT columns may come back as strings (the driver's default): numbers here.
    return r.rows.map((x) => ({ resource: x.resource, owner: x.owner, token: Number(x.token), expiresAt: Number(x.expires_at) }));
  }
}
