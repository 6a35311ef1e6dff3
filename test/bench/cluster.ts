// Failover with several instances (issue 11): two hub processes (`presence-hub start`) on a throwaway
// PostgreSQL behind the test's round-robin load balancer, the PBX and Graph simulators with N users (10,000 by
// default; CLUSTER_BENCH_ENDPOINTS to change). With a tenth of the users in a call on each side, the owner
// of the tenant is SIGKILLed and, while nobody owns it, another tenth change on each side. Measured from the
// kill: when the surviving instance owns the tenant (bounded by the lease, PRESENCE_HUB_LEASE_SECONDS,
// default 10 s) and when every endpoint agrees with the rule set on both simulators (the new owner logged
// in, replicated, read presence and reconciled from the stored hub-set state). Skipped without PostgreSQL.
import { fileURLToPath } from "node:url";
import { RuleRegistry } from "../../engine/rules/registry.js";
import { anotherOwner, ownerOf, startClusterWorld } from "../cluster/harness.js";
import { converged, RULE_TYPE, type WorldUser } from "../faults/harness.js";
import { postgresSkipReason } from "../pg/cluster.js";
import type { BenchResult } from "./types.js";

const r2 = (x: number) => Math.round(x * 100) / 100;

export async function run(): Promise<BenchResult[]> {
  const n = Number(process.env.CLUSTER_BENCH_ENDPOINTS ?? 10_000);
  const name = `failover (SIGKILL of the owner → all endpoints reconciled by the new owner), ${n} endpoints`;
  const skip = postgresSkipReason();
  if (skip) return [{ area: "cluster", name, values: {}, note: skip }];

  const registry = new RuleRegistry();
  await registry.load(fileURLToPath(new URL("../../rules", import.meta.url)));
  const rs = () => registry.get(RULE_TYPE)!;
  const cw = await startClusterWorld(n, "bench");
  try {
    const t0 = performance.now();
    // CLUSTER_BENCH_PROFILE_DIR: CPU profiles of both instances (the survivor's written at its graceful stop).
    const prof = process.env.CLUSTER_BENCH_PROFILE_DIR;
    const args = prof ? ["--cpu-prof", `--cpu-prof-dir=${prof}`] : [];
    await Promise.all([cw.startNode("a", {}, args), cw.startNode("b", {}, args)]);
    await cw.configure();
    const appId = cw.world.graph.clientId;
    await converged(cw.world, rs, appId, 600_000);
    const setupSec = (performance.now() - t0) / 1000;

    // Even users change on the Teams side, odd ones on the PBX side; a tenth of each before and after the kill.
    const teams = cw.world.users.filter((u) => u.index % 2 === 0);
    const pbx = cw.world.users.filter((u) => u.index % 2 === 1);
    const tenth = Math.max(1, Math.floor(n / 20));
    const busy = (us: WorldUser[]) => {
      for (const u of us) cw.world.setClient(u, { availability: "Busy", activity: "InACall" });
    };
    const free = (us: WorldUser[]) => {
      for (const u of us) cw.world.setClient(u, { availability: "Available", activity: "Available" });
    };
    busy(teams.slice(0, tenth));
    for (const u of pbx.slice(0, tenth)) cw.world.startCall(u);
    await converged(cw.world, rs, appId, 300_000);

    const owner = (await ownerOf(cw)) as string;
    const killedAt = performance.now();
    await cw.stopNode(owner, "SIGKILL");
    free(teams.slice(0, tenth / 2));
    busy(teams.slice(tenth, tenth + tenth / 2));
    for (const u of pbx.slice(0, tenth / 2)) cw.world.endCall(u);
    for (const u of pbx.slice(tenth, tenth + tenth / 2)) cw.world.startCall(u);
    await anotherOwner(cw, owner, 60_000);
    const ownedSec = (performance.now() - killedAt) / 1000;
    await converged(cw.world, rs, appId, 300_000);
    const convergedSec = (performance.now() - killedAt) / 1000;
    if (prof) for (const node of [...cw.nodes.keys()]) await cw.stopNode(node, "SIGTERM");
    return [
      {
        area: "cluster",
        name,
        values: { seconds: r2(convergedSec), takeoverSeconds: r2(ownedSec), setupSeconds: r2(setupSec) },
        note: `2 instances, lease ${process.env.PRESENCE_HUB_LEASE_SECONDS ?? 10} s; ${tenth} changes per side while unowned; seconds = kill → both simulators agree with the rules`,
      },
    ];
  } catch (e) {
    return [{ area: "cluster", name, values: {}, note: `ERROR: ${(e as Error).message.slice(0, 300)}` }];
  } finally {
    await cw.close();
  }
}
