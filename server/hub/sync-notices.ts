// The sync core's notices → the event log and the metrics: which notice counts where, and the sentence an
// admin reads in the Events page and an endpoint's timeline for each decision and write.
import type { CfbEntry } from "../../engine/ports/adapters.js";
import type { SyncNotice } from "../../engine/sync/types.js";
import type { HubStore } from "../store/types.js";
import type { TenantEvents } from "./events.js";
import type { HubMetrics } from "./metrics.js";

/** The `notify` callback of one tenant's sync core: metrics and event-log entries for each notice. */
export function syncNoticeHandler(
  tenant: string,
  store: HubStore,
  metrics: HubMetrics,
  events: TenantEvents,
): (n: SyncNotice) => void {
  // The per-event counter, resolved to its label children once: the event path does no label hashing.
  const processed = {
    pbx: [false, true].map((echo) => metrics.eventsProcessed.labels(tenant, "pbx", String(echo))),
    teams: [false, true].map((echo) => metrics.eventsProcessed.labels(tenant, "teams", String(echo))),
  };
  // A connector's type never changes after creation, so the metrics label is memoized: the decision path
  // must not query SQLite per event.
  const typeById = new Map<string, string>();
  const typeOf = (connectorId: string) => {
    let type = typeById.get(connectorId);
    if (type === undefined) {
      type = store.getConnector(connectorId)?.type ?? "unknown";
      if (type !== "unknown") typeById.set(connectorId, type);
    }
    return type;
  };
  const onNotice = (n: SyncNotice) => {
    switch (n.kind) {
      case "event.processed":
        processed[n.side][n.echo ? 1 : 0]!.inc();
        return;
      case "endpoint.changed":
        events.endpointChanged(n.endpointId);
        return;
      case "decision.teamsToPbx":
        metrics.decisions.inc({ tenant, direction: "teamsToPbx", type: typeOf(n.connectorId) });
        // The core's decision record is the sentence: the timeline and the endpoint view say the same.
        events.add({
          level: "info",
          kind: "decision.teamsToPbx",
          connectorId: n.connectorId,
          endpointId: n.endpointId,
          message: n.record.reason,
          details: { input: n.input, decision: n.decision, cfb: n.cfb, revision: n.record.revision },
        });
        return;
      case "decision.pbxToTeams":
        metrics.decisions.inc({ tenant, direction: "pbxToTeams", type: typeOf(n.connectorId) });
        events.add({
          level: "info",
          kind: "decision.pbxToTeams",
          connectorId: n.connectorId,
          endpointId: n.endpointId,
          message: n.record.reason,
          details: { input: n.input, decision: n.decision, revision: n.record.revision },
        });
        return;
      case "cfb.lost":
        events.add({
          level: "warn",
          kind: "cfb.lost",
          connectorId: n.connectorId,
          endpointId: n.endpointId,
          message: `PBX busy destination ${destinationOf(n.entry)} the hub added was removed on the PBX while diverting; adding it again`,
          details: { entry: n.entry },
        });
        return;
      case "cfb.kept":
        events.add({
          level: "info",
          kind: "cfb.kept",
          connectorId: n.connectorId,
          endpointId: n.endpointId,
          message: `PBX busy destination ${n.entries.map(destinationOf).join(", ")} left in place (the rule set says restore: false); it is the user's now`,
          details: { entries: n.entries },
        });
        return;
      case "write": {
        metrics.writes.inc({ tenant, side: n.side, op: n.op, result: n.ok ? "ok" : "error" });
        const where = n.side === "pbx" ? "PBX" : "Teams";
        const kind = !n.ok
          ? "write.failed"
          : n.op === "addCfb"
            ? "cfb.added"
            : n.op === "removeCfb"
              ? "cfb.removed"
              : n.side === "pbx"
                ? "write.pbx"
                : "write.teams";
        events.add({
          level: n.ok ? "info" : "warn",
          kind,
          connectorId: n.connectorId,
          endpointId: n.endpointId,
          message: n.ok
            ? `${where} ${describeWrite(n.op, n.detail)}`
            : `${where} ${n.op} failed: ${n.error} (will retry)`,
          details: n.detail,
        });
        return;
      }
    }
  };
  return onNotice;
}

function destinationOf(e: CfbEntry): string {
  return e.e164 || e.h323 || "?";
}

function describeWrite(op: string, detail: Record<string, unknown>): string {
  switch (op) {
    case "setPresence":
      if ("availability" in detail)
        return `presence set to ${detail.availability}/${detail.activity} (hub session)`;
      return detail.activity
        ? `presence set to ${detail.activity}${detail.note ? ` "${detail.note}"` : ""}`
        : "hub presence cleared";
    case "clearPresence":
      return "hub session cleared";
    case "addCfb":
      return `busy destination ${detail.destination} added (default destination${detail.precedence ? ", takes precedence" : ""})`;
    case "removeCfb":
      return "busy destination the hub added removed";
    default:
      return op;
  }
}
