// Prometheus metrics of rule-set reloads, named and shaped after Alertmanager's config-reload metrics,
// one series per connector type: last reload successful (1/0), time of the last successful reload,
// config hash, failed reloads. Read from the rule registry's status at scrape time, so reloads that
// happened before these were registered (the initial load) are counted too.
import type { Registry } from "prom-client";
import { Counter, Gauge } from "prom-client";
import type { RuleTypeStatus } from "../../engine/rules/registry.js";

export interface RuleStatusSource {
  list(): RuleTypeStatus[];
}

/**
 * The hash as a metric value, as Alertmanager does for its config hash: the first 48 bits (12 hex
 * digits, exact in a float64). In hex it equals the prefix the Info page shows after "sha256".
 */
export function hashMetricValue(hash: string | null): number {
  return hash ? Number.parseInt(hash.slice(0, 12), 16) : 0;
}

/** Register the metrics in `registry` (once per registry; a second call is a no-op). */
export function registerRuleSetMetrics(registry: Registry, rules: RuleStatusSource): void {
  if (registry.getSingleMetric("presence_hub_rule_set_last_reload_successful")) return;
  const labelNames = ["type"] as const;
  new Gauge({
    name: "presence_hub_rule_set_last_reload_successful",
    help: "1 when the last reload attempt of the rule set (with its fragments) succeeded, 0 when it was invalid or deleted",
    labelNames,
    registers: [registry],
    collect() {
      this.reset();
      for (const s of rules.list()) this.set({ type: s.id }, s.state === "ok" ? 1 : 0);
    },
  });
  new Gauge({
    name: "presence_hub_rule_set_last_reload_success_timestamp_seconds",
    help: "Time of the last successful reload attempt of the rule set (also when nothing changed); 0 = never",
    labelNames,
    registers: [registry],
    collect() {
      this.reset();
      for (const s of rules.list())
        this.set({ type: s.id }, s.lastReloadSuccessAt ? Date.parse(s.lastReloadSuccessAt) / 1000 : 0);
    },
  });
  new Gauge({
    name: "presence_hub_rule_set_config_hash",
    help: "First 48 bits of the sha256 config hash of the active revision (set + fragments) as a number; 0 = none active",
    labelNames,
    registers: [registry],
    collect() {
      this.reset();
      for (const s of rules.list()) this.set({ type: s.id }, hashMetricValue(s.hash));
    },
  });
  // The registry counts failures itself (plain numbers in the status); the counter follows the deltas.
  const seen = new Map<string, number>();
  new Counter({
    name: "presence_hub_rule_set_reload_failures_total",
    help: "Failed reload attempts of the rule set (invalid set or fragment, deleted file)",
    labelNames,
    registers: [registry],
    collect() {
      for (const s of rules.list()) {
        const delta = s.reloadFailures - (seen.get(s.id) ?? 0);
        if (delta > 0) this.inc({ type: s.id }, delta);
        else if (!seen.has(s.id)) this.inc({ type: s.id }, 0);
        seen.set(s.id, s.reloadFailures);
      }
    },
  });
}
