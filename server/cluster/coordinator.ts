// Which instance runs which tenant, when several share one PostgreSQL store. Every tick (and at once when a
// peer releases a lease) an instance heartbeats, renews the leases it holds, and takes free or expired
// ones up to its fair share (tenants ÷ live instances, rendezvous-hashed so instances prefer different
// tenants); a lease it fails to renew, or cannot renew in time because the database is away, is given up
// at once (its runtime stops without undoing: the next owner carries on from the stored hub-set state).
// One tenant = one lease: its connectors and its Microsoft 365 side share one sync core, so they move
// together. A graceful stop with a live peer hands every lease over (stop, release, notify) instead of
// undoing; the last instance undoes first (the caller's close path) and then releases.
import { createHash } from "node:crypto";
import type pg from "pg";
import { errorMessage } from "../../common/errors.js";
import type { Logger } from "../../common/log.js";
import type { PgListener } from "../store/postgres-listen.js";
import type { Fence } from "../store/types.js";
import { type InstanceRow, InstanceRegistry } from "./instances.js";
import { type Lease, LeaseTable } from "./leases.js";
import { LEASES_CHANNEL } from "./sql.js";

/** What the coordinator hands out: the hub's tenants, started and stopped on this instance. */
export interface OwnedWork {
  /** The resources that exist now ("tenant:<id>"). */
  resources(): string[];
  /** Start running the resource here; every hub-set save carries the fence. */
  activate(resource: string, fence: Fence): Promise<void>;
  /** Stop running it here without undoing anything (another instance takes over). */
  deactivate(resource: string, why: "handover" | "lost"): Promise<void>;
}

export interface CoordinatorOptions {
  pool: pg.Pool;
  listener: PgListener;
  instance: { id: string; url: string | null; version: string };
  work: OwnedWork;
  log: Logger;
  /** Lease lifetime; an instance that dies loses its leases after at most this long. Default 10 s. */
  ttlMs?: number;
  /** Heartbeat, renewal and acquisition period. Default ttl / 4. */
  tickMs?: number;
  /** Live UI streams open here (told to peers with the heartbeat). */
  streamClients?: () => number;
  /** After every tick that reached the database. */
  onTick?: () => void;
}

interface Held {
  token: number;
  /** performance.now() when the last successful renewal (or the acquisition) was sent. */
  renewedAt: number;
}

export interface OwnershipView {
  instance: string;
  instances: { id: string; url: string | null; version: string; stopping: boolean; self: boolean }[];
  leases: {
    resource: string;
    owner: string | null;
    token: number;
    expiresInMs: number | null;
    self: boolean;
  }[];
}

/** Seconds of rebalancing quiet: at most one voluntary hand-over per instance in this period. */
const REBALANCE_PAUSE_MS = 30_000;

export class Coordinator {
  private readonly leases: LeaseTable;
  private readonly registry: InstanceRegistry;
  private readonly held = new Map<string, Held>();
  private readonly ttl: number;
  private readonly tickMs: number;
  private timer: NodeJS.Timeout | null = null;
  private ticking: Promise<void> | null = null;
  private again = false;
  /** Whether the last heartbeat told the peers that UI streams are open here. */
  private reportedWatching = false;
  /** Whether this instance's id was taken (a refused start must not touch the row of the one that has it). */
  private joined = false;
  private stopped = false;
  private lastRebalance = Number.NEGATIVE_INFINITY;
  private lastSweep = Number.NEGATIVE_INFINITY;
  private lastLeases: Lease[] = [];
  private lastInstances: InstanceRow[] = [];
  private storeReachable = true;
  private unlisten: (() => void) | null = null;

  constructor(private readonly o: CoordinatorOptions) {
    this.leases = new LeaseTable(o.pool);
    this.registry = new InstanceRegistry(o.pool, o.instance);
    this.ttl = o.ttlMs ?? 10_000;
    this.tickMs = o.tickMs ?? Math.max(250, Math.floor(this.ttl / 4));
  }

  get instanceId(): string {
    return this.o.instance.id;
  }

  async start(): Promise<void> {
    // Quiet for three heartbeats: the process that had this id is gone (a restart after a crash).
    await this.registry.join(3 * this.tickMs, 2 * this.ttl);
    this.joined = true;
    this.unlisten = await this.o.listener.listen(LEASES_CHANNEL, () => this.tickSoon());
    await this.tick();
    this.schedule();
  }

  /** Whether this instance runs the resource now. */
  owns(resource: string): boolean {
    return this.held.has(resource);
  }

  /** The live instance that owns the resource, as of the last tick (or undefined: nobody right now). */
  ownerOf(resource: string): { id: string; url: string | null } | undefined {
    if (this.held.has(resource)) return { id: this.o.instance.id, url: this.o.instance.url };
    const l = this.lastLeases.find((x) => x.resource === resource);
    if (!l?.owner) return undefined;
    const i = this.lastInstances.find((x) => x.id === l.owner);
    return i ? { id: i.id, url: i.url } : undefined;
  }

  /** Read who owns what now (a request about a tenant whose owner this instance does not know yet). */
  async refresh(): Promise<void> {
    [this.lastInstances, this.lastLeases] = await Promise.all([
      this.registry.alive(this.ttl),
      this.leases.list(),
    ]);
  }

  /** Live peers (not this instance, not stopping). */
  peers(): InstanceRow[] {
    return this.lastInstances.filter((i) => i.id !== this.o.instance.id && !i.stopping);
  }

  get reachable(): boolean {
    return this.storeReachable;
  }

  view(): OwnershipView {
    const now = Date.now();
    return {
      instance: this.o.instance.id,
      instances: this.lastInstances.map((i) => ({
        id: i.id,
        url: i.url,
        version: i.version,
        stopping: i.stopping,
        self: i.id === this.o.instance.id,
      })),
      leases: this.lastLeases.map((l) => ({
        resource: l.resource,
        owner: l.owner,
        token: l.token,
        expiresInMs: l.owner ? Math.max(0, l.expiresAt - now) : null,
        self: this.held.has(l.resource),
      })),
    };
  }

  /** Local UI streams opened or closed: when that flips whether any are open, tell the peers now. */
  streamsChanged(): void {
    const watching = (this.o.streamClients?.() ?? 0) > 0;
    if (watching !== this.reportedWatching) this.tickSoon();
  }

  /** A peer released a lease or a resource appeared: look again now rather than at the next tick. */
  tickSoon(): void {
    if (this.stopped) return;
    if (this.ticking) {
      this.again = true;
      return;
    }
    void this.tick();
  }

  /** Stop taking work and tell the peers this instance is stopping (they stop counting on it). */
  async beginStop(): Promise<void> {
    if (!this.joined) return;
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.unlisten?.();
    await this.ticking;
    await this.registry.heartbeat(true).catch(() => undefined);
  }

  /**
   * Hand every held resource to a live peer: stop it here without undo, release its lease, and wait until a
   * live peer that is not stopping holds it. A resource nobody took within `waitMs` (the peers stop too, or
   * died) is taken back and started here again; those are returned, for the caller to undo. Two instances
   * stopped at the same moment thus never both leave it to the other.
   */
  async handOver(waitMs: number): Promise<string[]> {
    const released: string[] = [];
    for (const [resource, h] of [...this.held]) {
      await this.o.work.deactivate(resource, "handover").catch(() => undefined);
      this.held.delete(resource);
      await this.leases.release(resource, this.o.instance.id, h.token).catch(() => undefined);
      released.push(resource);
    }
    const pending = new Set(released);
    const deadline = performance.now() + waitMs;
    while (pending.size > 0 && performance.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      try {
        const [leases, alive] = await Promise.all([this.leases.list(), this.registry.alive(this.ttl)]);
        const live = new Set(
          alive.filter((i) => i.id !== this.o.instance.id && !i.stopping).map((i) => i.id),
        );
        for (const l of leases)
          if (pending.has(l.resource) && l.owner && live.has(l.owner)) pending.delete(l.resource);
        if (live.size === 0) break; // nobody left to take them
      } catch {
        // The database is unreachable: keep waiting until the deadline, then take them back if possible.
      }
    }
    const back: string[] = [];
    for (const resource of pending) {
      const sent = performance.now();
      const token = await this.leases.acquire(resource, this.o.instance.id, this.ttl).catch(() => undefined);
      if (token === undefined) continue; // taken meanwhile (or the database is gone): not ours to undo
      this.held.set(resource, { token, renewedAt: sent });
      this.o.log.warn({ resource }, "no live instance took it over; undoing here");
      try {
        await this.o.work.activate(resource, { resource, owner: this.o.instance.id, token });
        back.push(resource);
      } catch (e) {
        this.o.log.error({ resource, err: errorMessage(e) }, "taking a resource back to undo it failed");
      }
    }
    return back;
  }

  /** Release whatever is still held (after the caller undid it) and leave the registry. */
  async stop(): Promise<void> {
    if (!this.joined) return;
    if (!this.stopped) await this.beginStop();
    for (const [resource, h] of [...this.held]) {
      this.held.delete(resource);
      await this.leases.release(resource, this.o.instance.id, h.token).catch(() => undefined);
    }
    await this.registry.leave().catch(() => undefined);
  }

  /** Whether a peer has live UI streams open (then this instance relays its live messages). */
  peersStreaming(): boolean {
    return this.peers().some((p) => p.streamClients > 0);
  }

  /** Whether another live instance could take over (a graceful stop hands over instead of undoing). */
  async peerAlive(): Promise<boolean> {
    try {
      const alive = await this.registry.alive(this.ttl);
      return alive.some((i) => i.id !== this.o.instance.id && !i.stopping);
    } catch {
      return false;
    }
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      void this.tick().finally(() => this.schedule());
    }, this.tickMs);
    this.timer.unref();
  }

  private tick(): Promise<void> {
    if (this.ticking) return this.ticking;
    this.ticking = this.runTick()
      .catch((e) => this.o.log.error({ err: errorMessage(e) }, "coordination tick failed"))
      .finally(() => {
        this.ticking = null;
        if (this.again && !this.stopped) {
          this.again = false;
          void this.tick();
        }
      });
    return this.ticking;
  }

  private async runTick(): Promise<void> {
    const sent = performance.now();
    try {
      const streams = this.o.streamClients?.() ?? 0;
      await this.registry.heartbeat(false, streams);
      if (streams > 0 !== this.reportedWatching) {
        this.reportedWatching = streams > 0;
        // The peers relay their live messages only while someone watches elsewhere: they look again now.
        await this.o.pool.query("SELECT pg_notify($1, 'streams')", [LEASES_CHANNEL]);
      }
      const renewed = await this.leases.renew(
        this.o.instance.id,
        [...this.held].map(([resource, h]) => ({ resource, token: h.token })),
        this.ttl,
      );
      for (const [resource, h] of [...this.held]) {
        if (renewed.has(resource)) h.renewedAt = sent;
        else await this.lose(resource, "another instance holds its lease now");
      }
      [this.lastInstances, this.lastLeases] = await Promise.all([
        this.registry.alive(this.ttl),
        this.leases.list(),
      ]);
      if (!this.storeReachable) this.o.log.info("database reachable again; coordinating");
      this.storeReachable = true;
    } catch (e) {
      if (this.storeReachable)
        this.o.log.warn({ err: errorMessage(e) }, "database unreachable; leases cannot be renewed");
      this.storeReachable = false;
      // Without renewal a lease runs out in the database after ttl; stop before that (the renewal that last
      // succeeded was sent at renewedAt, so the database's expiry is later than renewedAt + ttl).
      for (const [resource, h] of [...this.held]) {
        if (performance.now() - h.renewedAt >= this.ttl - this.tickMs)
          await this.lose(resource, "lease not renewed in time");
      }
      return;
    }
    if (this.stopped) return;
    this.o.onTick?.();
    await this.acquire();
    await this.rebalance();
    if (performance.now() - this.lastSweep > 60_000) {
      this.lastSweep = performance.now();
      await this.registry.sweep(10 * 60_000).catch(() => undefined);
    }
  }

  private async lose(resource: string, why: string): Promise<void> {
    this.held.delete(resource);
    this.o.log.warn({ resource, why }, "lease lost; stopping here without undo");
    await this.o.work
      .deactivate(resource, "lost")
      .catch((e) => this.o.log.error({ resource, err: errorMessage(e) }, "stopping a lost resource failed"));
  }

  private fairShare(resources: number): number {
    const live = this.lastInstances.filter((i) => !i.stopping).length || 1;
    return Math.ceil(resources / live);
  }

  /** Rendezvous hashing: each instance ranks the resources differently, so they rarely compete. */
  private preference(resource: string): string {
    return createHash("sha256").update(`${this.o.instance.id}\n${resource}`).digest("hex");
  }

  private async acquire(): Promise<void> {
    const resources = this.o.work.resources();
    const share = this.fairShare(resources.length);
    const ownerOf = new Map(this.lastLeases.map((l) => [l.resource, l.owner]));
    const free = resources
      .filter((r) => !this.held.has(r) && !ownerOf.get(r))
      .sort((a, b) => this.preference(a).localeCompare(this.preference(b)));
    for (const resource of free) {
      if (this.held.size >= share || this.stopped) break;
      const sent = performance.now();
      const token = await this.leases.acquire(resource, this.o.instance.id, this.ttl);
      if (token === undefined) continue;
      this.held.set(resource, { token, renewedAt: sent });
      this.o.log.info({ resource, token }, "lease acquired; starting here");
      try {
        await this.o.work.activate(resource, { resource, owner: this.o.instance.id, token });
      } catch (e) {
        this.o.log.error(
          { resource, err: errorMessage(e) },
          "starting an acquired resource failed; releasing it",
        );
        this.held.delete(resource);
        await this.o.work.deactivate(resource, "lost").catch(() => undefined);
        await this.leases.release(resource, this.o.instance.id, token).catch(() => undefined);
      }
    }
    // Resources that no longer exist (a deleted tenant): nothing to run, the lease is released.
    for (const [resource, h] of [...this.held]) {
      if (resources.includes(resource)) continue;
      this.held.delete(resource);
      await this.leases.release(resource, this.o.instance.id, h.token).catch(() => undefined);
    }
  }

  /** Hand one resource to a peer below its share when this instance holds more than its own. */
  private async rebalance(): Promise<void> {
    const share = this.fairShare(this.o.work.resources().length);
    if (this.held.size <= share) return;
    if (performance.now() - this.lastRebalance < REBALANCE_PAUSE_MS) return;
    const counts = new Map<string, number>();
    for (const l of this.lastLeases) if (l.owner) counts.set(l.owner, (counts.get(l.owner) ?? 0) + 1);
    if (!this.peers().some((p) => (counts.get(p.id) ?? 0) < share)) return;
    // The one this instance prefers least (the peer whose preference it is will likely take it).
    const [resource, h] =
      [...this.held].sort((a, b) => this.preference(b[0]).localeCompare(this.preference(a[0])))[0] ?? [];
    if (!resource || !h) return;
    this.lastRebalance = performance.now();
    this.o.log.info({ resource }, "handing a resource to a less loaded instance");
    this.held.delete(resource);
    await this.o.work.deactivate(resource, "handover");
    await this.leases.release(resource, this.o.instance.id, h.token);
  }
}
