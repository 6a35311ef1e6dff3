// The test PostgreSQL cluster itself: starts, answers, survives a stop/start (outage tests rely on it), and
// is removed afterwards.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type PostgresCluster, postgresSkipReason, startPostgres } from "./cluster.js";

const skip = postgresSkipReason();
if (skip) console.warn(skip);

describe.skipIf(Boolean(skip))("test PostgreSQL cluster", () => {
  let cluster: PostgresCluster;
  beforeAll(async () => {
    cluster = await startPostgres();
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  it("answers, and comes back after a stop on the same port", async () => {
    const url = await cluster.createDatabase("cluster_check");
    const query = async () => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      try {
        return (await c.query("SELECT 1 AS one")).rows[0];
      } finally {
        await c.end();
      }
    };
    expect(await query()).toEqual({ one: 1 });
    await cluster.stopServer();
    await expect(query()).rejects.toThrow();
    await cluster.start();
    expect(await query()).toEqual({ one: 1 });
  }, 60_000);
});
