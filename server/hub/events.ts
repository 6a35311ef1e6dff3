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

/** Events kept in memory while the store cannot take them. */
const MAX_UNSTORED = 10_000;

export class EventLog {
  private buffer: NewEvent[] = [];
  private flushTimer: NodeJS.Timeout | undefined;
  private readonly listeners = new Set<(m: HubStreamMessage) => void>();
  private readonly listenerWatchers = new Set<() => void>();
  private readonly dirtyEndpoints = new Set<string>();
  private endpointTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private chain: Promise<void> = Promise.resolve();
  private failing = false;
  private dropped = 0;

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
    if (this.buffer.length >= 500) void this.flush();
    else if (!this.flushTimer) {
      this.flushTimer = setTimeout(() => void this.flush(), this.flushMs);
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

  /**
   * Store what is buffered (appends run one after the other, so ids follow the order of add). When the
   * store is away, the events wait — at most MAX_UNSTORED of them, the oldest dropped beyond — and go with
   * the next flush.
   */
  flush(): Promise<void> {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    const run = this.chain.then(() => this.append());
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async append(): Promise<void> {
    if (this.buffer.length === 0) return;
    const batch = this.buffer;
    this.buffer = [];
    let stored: HubEvent[];
    try {
      stored = await this.store.appendEvents(batch);
      if (this.dropped > 0) this.log.warn({ dropped: this.dropped }, "event log: events dropped while the store was away");
      this.dropped = 0;
      this.failing = false;
    } catch (e) {
      if (!this.failing) this.log.error({ err: errorMessage(e) }, "event log append failed; retrying");
      this.failing = true;
      this.buffer = [...batch, ...this.buffer];
      const over = this.buffer.length - MAX_UNSTORED;
      if (over > 0) {
        this.buffer.splice(0, over);
        this.dropped += over;
      }
      if (!this.closed && !this.flushTimer) {
        this.flushTimer = setTimeout(() => void this.flush(), 2000);
        this.flushTimer.unref?.();
      }
      return;
    }
    for (const event of stored) this.publish({ type: "event", event });
  }

  async list(query: EventListQuery = {}): Promise<HubEvent[]> {
    await this.flush();
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

  /** Live stream listeners (UI streams; a relay to other instances counts too). */
  get listenerCount(): number {
    return this.listeners.size;
  }

  subscribe(listener: (m: HubStreamMessage) => void): () => void {
    this.listeners.add(listener);
    this.listenersChanged();
    return () => {
      if (this.listeners.delete(listener)) this.listenersChanged();
    };
  }

  /** Told whenever a stream listener comes or goes (several instances relay only while someone watches). */
  onListenersChanged(watcher: () => void): () => void {
    this.listenerWatchers.add(watcher);
    return () => {
      this.listenerWatchers.delete(watcher);
    };
  }

  private listenersChanged(): void {
    for (const w of this.listenerWatchers) w();
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

  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
    if (this.flushTimer) clearTimeout(this.flushTimer);
    if (this.endpointTimer) clearTimeout(this.endpointTimer);
    this.listeners.clear();
  }
}
