// Lease coordination on a real PostgreSQL: work is spread over instances, an instance cut off from the
// database stops before its successor starts (no resource ever runs on two instances at once), a graceful
// hand-over is taken at once, and instances started at the same moment never both own a resource.
import pg from "pg";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { configureRootLogger } from "../../common/log.js";
import { Coordinator, type OwnedWork } from "../../server/cluster/coordinator.js";
import { PgListener } from "../../server/store/postgres-listen.js";
import { migratePostgres } from "../../server/store/postgres-migrate.js";
import type { Fence } from "../../server/store/types.js";
import { type PostgresCluster, postgresSkipReason, startPostgres } from "../pg/cluster.js";

const log = configureRootLogger({ level: "silent" });
const skip = postgresSkipReason();

/** Every activation and deactivation, in order, with the instance: overlaps are found afterwards. */
interface Interval {
  instance: string;
  resource: string;
  token: number;
  from: number;
  to?: number;
}

class World {
  intervals: Interval[] = [];
  resources = ["tenant:a", "tenant:b", "tenant:c", "tenant:d"];
  work(instance: string): OwnedWork {
    return {
      resources: () => this.resources,
      activate: async (resource: string, fence: Fence) => {
        this.intervals.push({ instance, resource, token: fence.token, from: performance.now() });
      },
      deactivate: async (resource: string) => {
        const open = this.intervals.find(
          (i) => i.instance === instance && i.resource === resource && i.to === undefined,
        );
        if (open) open.to = performance.now();
      },
    };
  }
  running(instance: string): string[] {
    return this.intervals
      .filter((i) => i.instance === instance && i.to === undefined)
      .map((i) => i.resource)
      .sort();
  }
  /** No resource ran on two instances at the same time, and tokens only grew. */
  assertExclusive(): void {
    for (const r of this.resources) {
      const list = this.intervals.filter((i) => i.resource === r).sort((a, b) => a.from - b.from);
      for (let k = 1; k < list.length; k++) {
        const prev = list[k - 1]!;
        const next = list[k]!;
        expect(prev.to, `${r}: ${prev.instance} still ran when ${next.instance} started`).toBeDefined();
        expect(prev.to!).toBeLessThanOrEqual(next.from);
        expect(next.token).toBeGreaterThan(prev.token);
      }
    }
  }
}

describe.skipIf(Boolean(skip))("lease coordination", () => {
  let cluster: PostgresCluster;
  let url: string;
  let seq = 0;
  const stops: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    cluster = await startPostgres();
  }, 60_000);
  afterAll(() => cluster?.stop());
  beforeEach(async () => {
    url = await cluster.createDatabase(`coord_${++seq}`);
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    await migratePostgres(c);
    await c.end();
  });
  afterEach(async () => {
    for (const s of stops.splice(0)) await s().catch(() => undefined);
  });

  async function instance(world: World, id: string, ttlMs = 1500) {
    const pool = new pg.Pool({ connectionString: url, max: 3, connectionTimeoutMillis: 1000 });
    pool.on("error", () => undefined);
    const listener = new PgListener({ connectionString: url }, log);
    await listener.start();
    const c = new Coordinator({
      pool,
      listener,
      instance: { id, url: null, version: "t" },
      work: world.work(id),
      log,
      ttlMs,
      tickMs: 200,
    });
    let ended = false;
    const end = async () => {
      if (ended) return;
      ended = true;
      await listener.close();
      await pool.end().catch(() => undefined);
    };
    stops.push(async () => {
      await c.stop().catch(() => undefined);
      await end();
    });
    await c.start();
    return { c, pool, listener, end };
  }

  it("spreads tenants over instances and hands them over on a graceful stop without a gap", async () => {
    const world = new World();
    const a = await instance(world, "a");
    expect(world.running("a")).toHaveLength(4); // alone: everything
    const b = await instance(world, "b");
    // a holds more than its share while b has none: it hands over, one per rebalance pause at most…
    await expect.poll(() => world.running("b").length, { timeout: 10_000 }).toBeGreaterThanOrEqual(1);
    const before = world.running("a");
    const t0 = performance.now();
    await a.c.beginStop();
    expect(await a.c.handOver(5000)).toEqual([]);
    await a.c.stop();
    await expect.poll(() => world.running("b"), { timeout: 5000 }).toEqual(world.resources);
    // …and the hand-over on stop is taken at once (notification), not after the lease ran out.
    const taken = world.intervals.filter((i) => i.instance === "b" && before.includes(i.resource));
    expect(Math.max(...taken.map((i) => i.from)) - t0).toBeLessThan(1000);
    world.assertExclusive();
    await b.c.stop();
  }, 30_000);

  it("two instances stopping at the same moment: each keeps (to undo) what the other could not take", async () => {
    const world = new World();
    const a = await instance(world, "a");
    const b = await instance(world, "b");
    await expect.poll(() => world.running("b").length, { timeout: 10_000 }).toBeGreaterThanOrEqual(1);
    const hadA = world.running("a");
    const hadB = world.running("b");
    // a says "stopping" and sees b alive; b says "stopping" right after, sees nobody and keeps its own.
    await a.c.beginStop();
    expect(await a.c.peerAlive()).toBe(true);
    await b.c.beginStop();
    expect(await b.c.peerAlive()).toBe(false);
    const back = await a.c.handOver(1500);
    // Nobody took a's tenants: a runs them again (its stop undoes them) and b still runs its own.
    expect(back.sort()).toEqual([...hadA].sort());
    expect(world.running("a").sort()).toEqual([...hadA].sort());
    expect(world.running("b").sort()).toEqual([...hadB].sort());
    world.assertExclusive();
    await a.c.stop();
    await b.c.stop();
  }, 30_000);

  it("an instance cut off from the database stops its tenants before another instance starts them", async () => {
    const world = new World();
    const a = await instance(world, "a");
    await instance(world, "b");
    await expect
      .poll(() => world.running("a").length + world.running("b").length, { timeout: 10_000 })
      .toBe(4);
    const hadA = world.running("a");
    await a.end(); // a keeps "running" but can no longer renew
    const t0 = performance.now();
    await expect.poll(() => world.running("b"), { timeout: 10_000 }).toEqual(world.resources);
    expect(world.running("a")).toEqual([]);
    const takeover = Math.max(
      ...world.intervals.filter((i) => i.instance === "b" && hadA.includes(i.resource)).map((i) => i.from),
    );
    expect(takeover - t0).toBeLessThan(1500 + 1000); // within the lease time and a tick
    world.assertExclusive();
  }, 30_000);

  it("a second running instance with the same id is refused; a restart after a crash takes the id over", async () => {
    const world = new World();
    const a = await instance(world, "a");
    const t0 = performance.now();
    await expect(instance(world, "a")).rejects.toMatchObject({ code: "CONFIG_INVALID" });
    expect(performance.now() - t0).toBeGreaterThan(1000); // it waited for the id to go quiet first
    // The first "a" crashes: no more heartbeats, nothing released. The restarted one takes every lease over.
    await a.c.beginStop();
    await a.end();
    const restarted = new World();
    const again = await instance(restarted, "a");
    await expect.poll(() => restarted.running("a").length, { timeout: 10_000 }).toBe(4);
    // New tokens: whatever the crashed process might still send is refused.
    for (const r of world.resources) {
      const before = Math.max(...world.intervals.filter((i) => i.resource === r).map((i) => i.token));
      expect(restarted.intervals.find((i) => i.resource === r)?.token).toBeGreaterThan(before);
    }
    await again.c.stop();
  }, 30_000);

  it("instances started at the same moment never both own a tenant", async () => {
    const world = new World();
    const all = await Promise.all(["a", "b", "c"].map((id) => instance(world, id)));
    await expect
      .poll(() => ["a", "b", "c"].reduce((n, id) => n + world.running(id).length, 0), { timeout: 10_000 })
      .toBe(4);
    world.assertExclusive();
    await expect.poll(() => all.every((x) => x.c.peers().length === 2), { timeout: 5000 }).toBe(true);
  }, 30_000);
});
