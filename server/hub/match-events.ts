// The event-log entries for endpoints whose Teams match changed: one per endpoint, or one per connector for
// a burst (a first replication, a directory load) — 100,000 rows would push everything else out of the
// event log, which keeps 50,000.
import { count } from "../../common/plural.js";
import type { NewEvent, StoredEndpoint } from "../store/types.js";

/** More endpoints whose match changed at once than this are logged as one event per connector. */
export const MATCH_EVENTS_PER_ENDPOINT = 20;

export function matchEvents(changed: StoredEndpoint[], teamsName: (id: string) => string): Omit<NewEvent, "tenant">[] {
  if (changed.length <= MATCH_EVENTS_PER_ENDPOINT) {
    return changed.map((e) => ({
      level: "info",
      kind: "endpoint.matched",
      connectorId: e.connectorId,
      endpointId: e.id,
      message: e.teamsUserId
        ? `${e.displayName} matched to Teams user ${teamsName(e.teamsUserId)} by e-mail`
        : `${e.displayName}: no Teams user with a matching e-mail any more`,
    }));
  }
  const byConnector = new Map<string, { matched: number; unmatched: number }>();
  for (const e of changed) {
    const n = byConnector.get(e.connectorId) ?? { matched: 0, unmatched: 0 };
    if (e.teamsUserId) n.matched++;
    else n.unmatched++;
    byConnector.set(e.connectorId, n);
  }
  return [...byConnector].map(([connectorId, n]) => ({
    level: "info",
    kind: "endpoint.matched",
    connectorId,
    message: [
      n.matched ? `${count(n.matched, "endpoint")} matched to Teams users by e-mail` : "",
      n.unmatched ? `${count(n.unmatched, "endpoint")} without a matching Teams user any more` : "",
    ]
      .filter(Boolean)
      .join("; "),
    details: n,
  }));
}
