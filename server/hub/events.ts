// The hub's event log and live stream: events are buffered briefly and appended to the store in one
// transaction (the sync hot path never waits for SQLite), then delivered to subscribers (SSE). Endpoint
// updates are coalesced per endpoint so a busy user does not flood the stream. Also owns what an event
// query means (kind families, minimum level), for the store's SQL and for matching one event in memory.
import { errorMessage } from "../../common/errors.js";
import type { Logger } from "../../common/log.js";
import type { ConnectorState } from "../../engine/ports/adapters.js";
import type { HubStore, NewEvent } from "../store/types.js";
import type { EndpointView, EventListQuery, HubEvent, HubEventLevel, HubStreamMessage } from "./types.js";

/** Event level for a connector status change: failures that need the admin are errors, retries warnings. */
export function statusEventLevel(state: ConnectorState): HubEventLevel {
  if (state === "error" || state === "auth_failed") return "error";
  return state === "backoff" ? "warn" : "info";
}

/** Levels from least to most severe; a query's `level` is the minimum. */
export const EVENT_LEVELS: readonly HubEventLevel[] = ["debug", "info", "warn", "error"];

/** The levels at or above `min` (all of them without one). */
export function levelsFrom(min: HubEventLevel | undefined): HubEventLevel[] | undefined {
  if (!min) return undefined;
  return EVENT_LEVELS.slice(Math.max(0, EVENT_LEVELS.indexOf(min)));
}

/** The terms of a `kind` query: exact kinds ("write.pbx") or families ("decision"). */
export function kindTerms(kind: string | undefined): string[] | undefined {
  const terms = (kind ?? "")
    .split(",")
    .map((k) => k.trim())
    .filter(Boolean);
  return terms.length ? terms : undefined;
}

/** Whether one event matches a query's filters (not its paging): the same meaning as the store's SQL. */
export function eventMatches(e: HubEvent, q: EventListQuery): boolean {
  if (q.tenant && e.tenant !== q.tenant) return false;
  if (q.endpointId && e.endpointId !== q.endpointId) return false;
  if (q.connectorId && e.connectorId !== q.connectorId) return false;
  const levels = levelsFrom(q.level);
  if (levels && !levels.includes(e.level)) return false;
  const kinds = kindTerms(q.kind);
  if (
    kinds &&
    !kinds.some((k) => (k.includes(".") ? e.kind === k : e.kind === k || e.kind.startsWith(`${k}.`)))
  )
    return false;
  return true;
}

/** The event log as one tenant's parts see it: every event they add belongs to that tenant. */
export interface TenantEvents {
  add(e: Omit<NewEvent, "tenant">): void;
  publish(m: HubStreamMessage): void;
  endpointChanged(id: string): void;
}

export class EventLog {
  private buffer: NewEvent[] = [];
  private flushTimer: NodeJS.Timeout | undefined;
  private readonly listeners = new Set<(m: HubStreamMessage) => void>();
  private readonly dirtyEndpoints = new Set<string>();
  private endpointTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly store: HubStore,
    private readonly log: Logger,
    private readonly endpointView: (id: string) => EndpointView | undefined,
    private readonly flushMs = 50,
    private readonly endpointCoalesceMs = 250,
  ) {}

  add(e: NewEvent): void {
    if (this.closed) return;
    this.buffer.push({ ...e, at: e.at ?? new Date().toISOString() });
    if (this.buffer.length >= 500) this.flush();
    else if (!this.flushTimer) {
      this.flushTimer = setTimeout(() => this.flush(), this.flushMs);
      this.flushTimer.unref?.();
    }
  }

  /** The log for one tenant's parts (connectors, Microsoft 365, endpoints, its sync core). */
  forTenant(tenant: string): TenantEvents {
    return {
      add: (e) => this.add({ ...e, tenant }),
      publish: (m) => this.publish(m),
      endpointChanged: (id) => this.endpointChanged(id),
    };
  }

  flush(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (this.buffer.length === 0) return;
    const batch = this.buffer;
    this.buffer = [];
    let stored: HubEvent[];
    try {
      stored = this.store.appendEvents(batch);
    } catch (e) {
      this.log.error({ err: errorMessage(e) }, "event log append failed");
      return;
    }
    for (const event of stored) this.publish({ type: "event", event });
  }

  list(query: EventListQuery = {}): HubEvent[] {
    this.flush();
    return this.store.listEvents({
      tenant: query.tenant,
      endpointId: query.endpointId,
      connectorId: query.connectorId,
      kinds: kindTerms(query.kind),
      levels: levelsFrom(query.level),
      beforeId: query.beforeId,
      limit: Math.max(1, Math.min(1000, query.limit ?? 100)),
    });
  }

  subscribe(listener: (m: HubStreamMessage) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  publish(m: HubStreamMessage): void {
    for (const l of this.listeners) {
      try {
        l(m);
      } catch (e) {
        this.log.warn({ err: errorMessage(e) }, "stream listener failed");
      }
    }
  }

  endpointChanged(id: string): void {
    if (this.closed || this.listeners.size === 0) return;
    this.dirtyEndpoints.add(id);
    if (this.endpointTimer) return;
    this.endpointTimer = setTimeout(() => {
      this.endpointTimer = undefined;
      const ids = [...this.dirtyEndpoints];
      this.dirtyEndpoints.clear();
      for (const eid of ids) {
        const endpoint = this.endpointView(eid);
        if (endpoint) this.publish({ type: "endpoint", endpoint });
      }
    }, this.endpointCoalesceMs);
    this.endpointTimer.unref?.();
  }

  close(): void {
    this.flush();
    this.closed = true;
    if (this.endpointTimer) clearTimeout(this.endpointTimer);
    this.listeners.clear();
  }
}
