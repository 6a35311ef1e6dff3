// Prometheus metrics of the hub in their own prom-client registry (the HTTP layer serves hub.metrics at
// /metrics): events processed, decisions, writes by side and result, connector states, rule reloads — the
// per-tenant ones labelled with the tenant.
import { Counter, collectDefaultMetrics, Gauge, Registry } from "prom-client";
import type { ConnectorState } from "../../engine/ports/adapters.js";

const STATES: ConnectorState[] = ["offline", "connecting", "online", "backoff", "auth_failed", "error"];

// Process metrics (CPU, memory, GC, event-loop lag) are collected once per process into this registry and
// shared by every hub's registry: prom-client's GC metric installs a PerformanceObserver that can never be
// disconnected, and when it observed into a hub's own registry it kept that registry — and through the
// gauges' collect callbacks the whole closed hub (sync core, endpoints, ≈ 27 MB at 10,000 endpoints) —
// reachable for the rest of the process.
let processMetrics: Registry | undefined;
function sharedProcessMetrics(): Registry {
  if (!processMetrics) {
    processMetrics = new Registry();
    collectDefaultMetrics({ register: processMetrics, prefix: "presence_hub_" });
  }
  return processMetrics;
}

export class HubMetrics {
  readonly registry = new Registry();
  readonly eventsProcessed = new Counter({
    name: "presence_hub_events_processed_total",
    help: "Presence events from the adapters processed by the sync core (echo = the hub's own write seen again)",
    labelNames: ["tenant", "side", "echo"] as const,
    registers: [this.registry],
  });
  readonly decisions = new Counter({
    name: "presence_hub_decisions_total",
    help: "Rule-set decisions made by the sync core",
    labelNames: ["tenant", "direction", "type"] as const,
    registers: [this.registry],
  });
  readonly writes = new Counter({
    name: "presence_hub_writes_total",
    help: "Writes to the external systems by side, operation and result",
    labelNames: ["tenant", "side", "op", "result"] as const,
    registers: [this.registry],
  });
  readonly connectorState = new Gauge({
    name: "presence_hub_connector_state",
    help: "1 for the current state of each PBX connector",
    labelNames: ["tenant", "connector", "state"] as const,
    registers: [this.registry],
  });
  readonly teamsState = new Gauge({
    name: "presence_hub_teams_state",
    help: "1 for the current state of each tenant's Microsoft 365 connector",
    labelNames: ["tenant", "state"] as const,
    registers: [this.registry],
  });
  readonly ruleSwaps = new Counter({
    name: "presence_hub_rule_set_swaps_total",
    help: "Rule set swaps (hot reloads) seen by the hub, by connector type",
    labelNames: ["type"] as const,
    registers: [this.registry],
  });
  readonly ruleRevision = new Gauge({
    name: "presence_hub_rule_set_revision",
    help: "Active revision of each connector type's rule set",
    labelNames: ["type"] as const,
    registers: [this.registry],
  });
  readonly ruleLoadOk = new Gauge({
    name: "presence_hub_rule_set_file_ok",
    help: "1 when the rule file on disk is what is served, 0 while it is invalid or missing",
    labelNames: ["type"] as const,
    registers: [this.registry],
  });

  constructor(
    sample: () => { pending: number; failing: number; endpoints: number; enabled: number },
    ruleStatus?: () => { id: string; revision: number; ok: boolean }[],
  ) {
    const shared = sharedProcessMetrics();
    for (const { name } of shared.getMetricsAsArray()) {
      const metric = shared.getSingleMetric(name);
      if (metric) this.registry.registerMetric(metric);
    }
    new Gauge({
      name: "presence_hub_sync_pending",
      help: "Endpoint sides with a write queued or running",
      registers: [this.registry],
      collect() {
        this.set(sample().pending);
      },
    });
    new Gauge({
      name: "presence_hub_sync_failing",
      help: "Endpoint sides waiting for a retry after a failed write",
      registers: [this.registry],
      collect() {
        this.set(sample().failing);
      },
    });
    new Gauge({
      name: "presence_hub_endpoints",
      help: "Endpoints known to the hub, by enabled",
      labelNames: ["enabled"] as const,
      registers: [this.registry],
      collect() {
        const s = sample();
        this.set({ enabled: "true" }, s.enabled);
        this.set({ enabled: "false" }, s.endpoints - s.enabled);
      },
    });
    if (ruleStatus) {
      const revision = this.ruleRevision;
      const ok = this.ruleLoadOk;
      new Gauge({
        name: "presence_hub_rule_sets",
        help: "Rule sets known to the registry",
        registers: [this.registry],
        collect() {
          const list = ruleStatus();
          this.set(list.length);
          for (const r of list) {
            revision.set({ type: r.id }, r.revision);
            ok.set({ type: r.id }, r.ok ? 1 : 0);
          }
        },
      });
    }
  }

  setConnectorState(tenant: string, connector: string, state: ConnectorState | null): void {
    for (const s of STATES) {
      if (state === null) this.connectorState.remove({ tenant, connector, state: s });
      else this.connectorState.set({ tenant, connector, state: s }, s === state ? 1 : 0);
    }
  }

  /** state null: the tenant is gone. */
  setTeamsState(tenant: string, state: ConnectorState | null): void {
    for (const s of STATES) {
      if (state === null) this.teamsState.remove({ tenant, state: s });
      else this.teamsState.set({ tenant, state: s }, s === state ? 1 : 0);
    }
  }
}
