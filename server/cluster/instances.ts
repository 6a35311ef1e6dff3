// The registry of running instances in the shared store: each one upserts its row (id, the URL its peers
// reach it at, version) with a heartbeat; a row not seen for a few heartbeats is a dead instance. A
// stopping instance says so first, so peers do not count on it while it hands its leases over.
import type pg from "pg";
import { HubError } from "../../common/errors.js";
import { NOW_MS } from "./sql.js";

export interface InstanceRow {
  id: string;
  url: string | null;
  version: string;
  startedAt: number;
  seenAt: number;
  stopping: boolean;
  /** Live UI streams open on it. */
  streamClients: number;
}

export class InstanceRegistry {
  constructor(
    private readonly pool: pg.Pool,
    private readonly self: { id: string; url: string | null; version: string },
  ) {}

  /**
   * Take this instance's id before the first heartbeat. A row that still heartbeats belongs to another
   * running process with the same id (two instances configured alike would both believe they own the same
   * leases): wait for it to go quiet — a crashed predecessor does within `quietMs` — and refuse to start
   * when it keeps heartbeating for `refuseAfterMs`.
   */
  async join(quietMs: number, refuseAfterMs: number): Promise<void> {
    const deadline = Date.now() + refuseAfterMs;
    for (;;) {
      const r = await this.pool.query<{ seen_at: number; now: number }>(
        `SELECT seen_at, ${NOW_MS} AS now FROM instances WHERE id = $1`,
        [this.self.id],
      );
      const row = r.rows[0];
      if (!row || Number(row.now) - Number(row.seen_at) > quietMs) break;
      if (Date.now() > deadline) {
        throw new HubError(
          "CONFIG_INVALID",
          `instance id "${this.self.id}" is in use by another running instance; give every instance its own PRESENCE_HUB_INSTANCE_ID (or leave it unset)`,
        );
      }
      await new Promise((res) => setTimeout(res, Math.min(500, quietMs / 2)));
    }
    await this.pool.query(
      `INSERT INTO instances (id, url, version, started_at, seen_at, stopping, stream_clients)
       VALUES ($1, $2, $3, ${NOW_MS}, ${NOW_MS}, 0, 0)
       ON CONFLICT (id) DO UPDATE SET url = excluded.url, version = excluded.version,
         started_at = excluded.started_at, seen_at = excluded.seen_at, stopping = 0, stream_clients = 0`,
      [this.self.id, this.self.url, this.self.version],
    );
  }

  async heartbeat(stopping = false, streamClients = 0): Promise<void> {
    await this.pool.query(
      `INSERT INTO instances (id, url, version, started_at, seen_at, stopping, stream_clients)
       VALUES ($1, $2, $3, ${NOW_MS}, ${NOW_MS}, $4, $5)
       ON CONFLICT (id) DO UPDATE SET url = excluded.url, seen_at = excluded.seen_at, stopping = excluded.stopping,
         stream_clients = excluded.stream_clients`,
      [this.self.id, this.self.url, this.self.version, stopping ? 1 : 0, streamClients],
    );
  }

  /** Instances seen within `aliveMs` (this one included), oldest first. */
  async alive(aliveMs: number): Promise<InstanceRow[]> {
    const r = await this.pool.query<{
      id: string;
      url: string | null;
      version: string;
      started_at: number;
      seen_at: number;
      stopping: number;
      stream_clients: number;
    }>(`SELECT * FROM instances WHERE seen_at >= ${NOW_MS} - $1 ORDER BY started_at, id`, [aliveMs]);
    return r.rows.map((x) => ({
      id: x.id,
      url: x.url,
      version: x.version,
      // BIGINT columns may come back as strings (the driver's default): numbers here.
      startedAt: Number(x.started_at),
      seenAt: Number(x.seen_at),
      stopping: Number(x.stopping) === 1,
      streamClients: Number(x.stream_clients),
    }));
  }

  /** Leave the registry (a clean stop); rows of crashed instances are swept by the survivors. */
  async leave(): Promise<void> {
    await this.pool.query("DELETE FROM instances WHERE id = $1", [this.self.id]);
  }

  async sweep(deadAfterMs: number): Promise<void> {
    await this.pool.query(`DELETE FROM instances WHERE seen_at < ${NOW_MS} - $1`, [deadAfterMs]);
  }
}
