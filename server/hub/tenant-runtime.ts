// One tenant's running parts: its own sync core (its own Teams adapter, workers and retry budgets — a
// notification or a throttled Graph of one tenant cannot touch another's state), its Microsoft 365 manager
// and its endpoint directory (endpoints are matched against this tenant's Teams directory only).
import { logger as makeLogger } from "../../common/log.js";
import type { RuleSetSource } from "../../engine/rules/types.js";
import { SyncCore } from "../../engine/sync/core.js";
import type { Fence, HubStore } from "../store/types.js";
import type { ConnectorTenant } from "./connectors.js";
import type { ConnectorInfo } from "./endpoint-view.js";
import { EndpointDirectory } from "./endpoints.js";
import type { EventLog, TenantEvents } from "./events.js";
import type { HubMetrics } from "./metrics.js";
import { syncNoticeHandler } from "./sync-notices.js";
import { BatchedSyncPersistence } from "./sync-persistence.js";
import { TeamsManager } from "./teams.js";
import type { OpenHubOptions, TeamsAdapterFactory } from "./types.js";

export interface TenantRuntimeDeps {
  store: HubStore;
  registry: RuleSetSource;
  events: EventLog;
  metrics: HubMetrics;
  options: Pick<OpenHubOptions, "concurrency" | "sync" | "publicBaseUrl">;
  teamsFactory: TeamsAdapterFactory;
  connectorInfo: (id: string) => ConnectorInfo | undefined;
}

/** Where the tenant runs: on a shared store, under the lease that fences its hub-set saves. */
export interface TenantPlacement {
  fence?: Fence;
  /** A save was refused: another instance holds the lease now. */
  onFenced?: () => void;
}

export class TenantRuntime implements ConnectorTenant {
  readonly events: TenantEvents;
  readonly core: SyncCore;
  readonly endpoints: EndpointDirectory;
  readonly teams: TeamsManager;

  /** Reads the tenant's hub-set state and endpoints from the store first. */
  static async open(id: string, d: TenantRuntimeDeps, placement: TenantPlacement = {}): Promise<TenantRuntime> {
    const persistence = await BatchedSyncPersistence.open(d.store, makeLogger("hub", { tenant: id }), {
      tenant: id,
      ...placement,
    });
    const r = new TenantRuntime(id, d, persistence);
    await r.endpoints.load();
    return r;
  }

  private constructor(
    readonly id: string,
    d: TenantRuntimeDeps,
    readonly persistence: BatchedSyncPersistence,
  ) {
    this.events = d.events.forTenant(id);
    const sync = d.options.sync;
    this.core = new SyncCore({
      rules: d.registry,
      persistence: this.persistence,
      concurrency: d.options.concurrency,
      retryBaseMs: sync?.retryBaseMs,
      retryMaxMs: sync?.retryMaxMs,
      echoGraceMs: sync?.echoGraceMs,
      staleAfterMs: sync?.staleAfterMs,
      notify: syncNoticeHandler(id, d.store, d.metrics, this.events),
      logger: makeLogger("sync", { tenant: id }),
    });
    this.endpoints = new EndpointDirectory(id, d.store, this.core, this.events, d.registry, d.connectorInfo);
    this.teams = new TeamsManager({
      tenant: id,
      store: d.store,
      core: this.core,
      events: this.events,
      metrics: d.metrics,
      log: makeLogger("teams-settings", { tenant: id }),
      factory: d.teamsFactory,
      endpoints: () => this.endpoints,
      publicBaseUrl: d.options.publicBaseUrl,
    });
  }

  /**
   * Undo what the hub set for every endpoint of the tenant (bounded), as a graceful stop or a tenant delete
   * does. Returns the endpoints not yet neutral.
   */
  release(timeoutMs: number): Promise<string[]> {
    return this.core.release(this.endpoints.ids(), timeoutMs);
  }

  /** After its connectors stopped: stop the Microsoft 365 side, close the core, write what is buffered. */
  async stop(): Promise<void> {
    await this.teams.stop();
    this.core.close();
    // What is buffered is written if it can be; a store that is away (or a lost lease) keeps it from
    // being stored, and the next owner reconciles from what was stored before.
    await Promise.allSettled([this.endpoints.flush(), this.persistence.flush()]);
    this.persistence.close();
  }
}

/** Sync counts summed over tenants (health, /metrics). */
export function syncTotals(runtimes: Iterable<TenantRuntime>): {
  endpoints: number;
  enabled: number;
  pending: number;
  failing: number;
} {
  const sum = { endpoints: 0, enabled: 0, pending: 0, failing: 0 };
  for (const t of runtimes) {
    const s = t.core.stats();
    const totals = t.endpoints.totals();
    sum.endpoints += totals.endpoints;
    sum.enabled += totals.enabled;
    sum.pending += s.pending;
    sum.failing += s.failing;
  }
  return sum;
}
