// Prometheus gauges of this instance's place in the cluster, in the hub's registry (each instance serves its
// own /metrics): whether the database answers, how many instances are alive, how many tenants run here and
// how many run nowhere right now (a dead owner's, until its lease runs out).
import { Gauge, type Registry } from "prom-client";
import type { OwnershipView } from "./coordinator.js";

export function registerClusterMetrics(registry: Registry, view: () => OwnershipView & { storeReachable: boolean }): void {
  new Gauge({
    name: "presence_hub_cluster_store_reachable",
    help: "1 while this instance's last coordination round reached PostgreSQL",
    registers: [registry],
    collect() {
      this.set(view().storeReachable ? 1 : 0);
    },
  });
  new Gauge({
    name: "presence_hub_cluster_instances",
    help: "Live instances as of the last coordination round, by stopping",
    labelNames: ["stopping"] as const,
    registers: [registry],
    collect() {
      const v = view();
      this.set({ stopping: "false" }, v.instances.filter((i) => !i.stopping).length);
      this.set({ stopping: "true" }, v.instances.filter((i) => i.stopping).length);
    },
  });
  new Gauge({
    name: "presence_hub_cluster_tenants",
    help: "Tenants by where they run: here, on another instance, or nowhere (their lease ran out, not yet taken)",
    labelNames: ["runs"] as const,
    registers: [registry],
    collect() {
      const leases = view().leases;
      this.set({ runs: "here" }, leases.filter((l) => l.self).length);
      this.set({ runs: "elsewhere" }, leases.filter((l) => !l.self && l.owner).length);
      this.set({ runs: "nowhere" }, leases.filter((l) => !l.owner).length);
    },
  });
}
