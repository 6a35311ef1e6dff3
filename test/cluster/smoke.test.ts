import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { until } from "../faults/harness.js";
import { postgresSkipReason } from "../pg/cluster.js";
import { type ClusterWorld, ownerOf, startClusterWorld } from "./harness.js";

describe.skipIf(Boolean(postgresSkipReason()))("smoke: two instances", () => {
  let cw: ClusterWorld;
  beforeAll(async () => {
    cw = await startClusterWorld(6, "smoke");
  }, 120_000);
  afterAll(() => cw?.close());

  it("runs", async () => {
    await cw.startNode("a");
    await cw.startNode("b");
    await cw.configure();
    console.log("owner", await ownerOf(cw));
    const u = cw.world.users[0]!;
    cw.world.setClient(u, { availability: "Busy", activity: "InACall" });
    await until("diverted", () => cw.world.pbx.user(u.h323).forwarding?.result === "forwarded", 20_000);
    console.log(cw.world.pbx.stats());
    const list = await cw.api<unknown[]>("GET", "/api/connectors");
    expect(list).toHaveLength(1);
  }, 240_000);
});
