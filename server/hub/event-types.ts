// The event log's record and query types (the admin API's /api/events, the timelines, the live stream):
// which kinds exist, at which levels, and what each event carries.

export type HubEventLevel = "debug" | "info" | "warn" | "error";

export type HubEventKind =
  | "hub.started"
  | "hub.stopping"
  | "hub.stopped"
  | "connector.created"
  | "connector.updated"
  | "connector.deleted"
  | "connector.status"
  | "teams.settings"
  | "teams.status"
  | "rules.swapped"
  | "tenant.created"
  | "tenant.updated"
  | "tenant.deleted"
  | "user.created"
  | "user.updated"
  | "user.deleted"
  | "endpoint.matched"
  | "endpoint.updated"
  | "presence.teams"
  | "presence.pbx"
  | "decision.teamsToPbx"
  | "decision.pbxToTeams"
  | "write.pbx"
  | "write.teams"
  | "write.failed"
  | "cfb.added"
  | "cfb.removed"
  | "cfb.kept"
  | "cfb.lost"
  | "undo";

export interface HubEvent {
  id: number;
  at: string;
  level: HubEventLevel;
  kind: HubEventKind;
  /** The tenant the event belongs to; absent for hub-wide events (start, stop, rule reloads). */
  tenant?: string;
  connectorId?: string;
  endpointId?: string;
  message: string;
  details?: Record<string, unknown>;
}

export interface EventListQuery {
  /** Only this tenant's events. */
  tenant?: string;
  endpointId?: string;
  connectorId?: string;
  /**
   * Kinds, comma-separated; each an exact kind ("write.pbx") or a family, the part before the dot
   * ("decision" = every "decision.*"). Any of them matches.
   */
  kind?: string;
  /** Minimum level: "warn" = warnings and errors, "info" = everything but debug. */
  level?: HubEventLevel;
  /** Only events with id < beforeId (paging backwards). */
  beforeId?: number;
  /** Default 100, max 1000. Newest first. */
  limit?: number;
}
