// openHub: assembles the running hub (store, event log, metrics, the hub-wide connector manager and one
// TenantRuntime per tenant — its sync core, Microsoft 365 side and endpoint directory) and returns the Hub
// facade the admin API, UI and CLI use. The facade only configures, observes and explains; presence events
// flow adapter → core → adapter without passing through here.
import { teamsModule } from "../../connectors/index.js";
import { packageVersion } from "../../common/paths.js";
import { logger as makeLogger } from "../../common/log.js";
import { openSqliteStore } from "../store/sqlite.js";
import type { HubStore } from "../store/types.js";
import { hubCloser, type HubLifecycle } from "./close.js";
import { ConnectorManager } from "./connectors.js";
import { EventLog } from "./events.js";
import { hubFacade } from "./facade.js";
import { HubMetrics } from "./metrics.js";
import { syncTotals, type TenantPlacement, TenantRuntime } from "./tenant-runtime.js";
import { TenantManager } from "./tenants.js";
import { UserManager } from "./users.js";
import type { Hub, HubStreamMessage, OpenHubOptions } from "./types.js";

const VERSION = packageVersion();

/** Which tenants run on this instance, for a coordinator of several instances (server/cluster). */
export interface TenantControl {
  /** Hand a live message of another instance to this one's stream listeners. */
  publish(m: HubStreamMessage): void;
  /** Stream listeners here (UI streams, relays). */
  streamListeners(): number;
  /** Told when a stream listener comes or goes. */
  onStreamListeners(watcher: () => void): () => void;
  /** This instance's live messages, for a relay to other instances. */
  subscribe(listener: (m: HubStreamMessage) => void): () => void;
  /** Every tenant that exists (the store's). */
  tenants(): string[];
  activate(id: string, placement: TenantPlacement): Promise<void>;
  /** Stop running the tenant here without undoing anything. */
  deactivate(id: string): Promise<void>;
  isActive(id: string): boolean;
  /** Tenants were created or deleted on this instance. */
  onChanged(listener: () => void): () => void;
}

/** The hub as its runner gets it: the facade plus the control of where tenants run. */
export type OpenedHub = Hub & { readonly tenantControl: TenantControl };

/** Where the hub keeps its data and which tenants it runs (several instances: server/cluster). */
export interface HubPlacement {
  /** An opened store (the shared PostgreSQL one); default: the embedded SQLite store in dataDir. Closed with the hub. */
  store?: HubStore;
  /**
   * Whether every tenant runs on this instance (default). False with several instances: a coordinator
   * activates the tenants whose lease this instance holds (hub.tenants.activate/deactivate).
   */
  runsEveryTenant?: boolean;
}

export async function openHub(options: OpenHubOptions, placement: HubPlacement = {}): Promise<OpenedHub> {
  const log = options.logger ?? makeLogger("hub");
  const store =
    placement.store ??
    openSqliteStore({
      dataDir: options.dataDir,
      secretKey: options.secretKey,
      eventLogLimit: options.eventLogLimit,
    });
  const runsEveryTenant = placement.runsEveryTenant ?? true;
  const lifecycle: HubLifecycle = { state: "running", startedAt: new Date().toISOString() };
  const registry = options.registry;
  const undoTimeoutMs = options.undoTimeoutMs ?? 5000;

  // Late-bound parts (the event log and the metrics read views of parts created after them).
  let tenants!: TenantManager;
  const events = new EventLog(store, log, (id) => {
    const t = tenants?.all().find((r) => r.endpoints.has(id));
    return t?.endpoints.tryView(id);
  });
  const ruleStatus =
    typeof (registry as { list?: unknown }).list === "function"
      ? () =>
          (registry as unknown as { list(): { id: string; revision: number; state: string }[] })
            .list()
            .map((r) => ({ id: r.id, revision: r.revision, ok: r.state === "ok" }))
      : undefined;
  const metrics = new HubMetrics(() => syncTotals(tenants.all()), ruleStatus);

  const connectors = new ConnectorManager({
    store,
    tenant: (id) => tenants.runtime(id),
    isActive: (id) => tenants.isActive(id),
    rules: registry,
    publish: (m) => events.publish(m),
    metrics,
    log: makeLogger("connectors"),
    factories: options.adapterFactories ?? {},
    undoTimeoutMs,
  });
  tenants = new TenantManager({
    store,
    events,
    metrics,
    connectors: () => connectors,
    undoTimeoutMs,
    runsEveryTenant,
    openRuntime: (id, where) =>
      TenantRuntime.open(
        id,
        {
          store,
          registry,
          events,
          metrics,
          options,
          teamsFactory: options.teamsFactory ?? teamsModule,
          connectorInfo: (cid) => connectors.info(cid),
        },
        where,
      ),
  });

  const unsubscribeSwap = registry.onSwap((id) => {
    metrics.ruleSwaps.inc({ type: id });
    const rs = registry.get(id);
    if (rs) metrics.ruleRevision.set({ type: id }, rs.revision);
    events.add({
      level: "info",
      kind: "rules.swapped",
      message: `Rules of ${id} reloaded (revision ${rs?.revision ?? "?"}); reconciling`,
    });
    connectors.onRulesSwapped(id);
  });

  if (runsEveryTenant) await tenants.startAll();
  events.add({ level: "info", kind: "hub.started", message: `Presence Hub ${VERSION} started` });

  const close = hubCloser({
    lifecycle,
    store,
    ownsStore: !placement.store,
    tenants,
    connectors,
    events,
    unsubscribeSwap,
  });
  const users = new UserManager({ store, events, reservedUsername: options.adminUser });
  const hub = hubFacade({ version: VERSION, lifecycle, users, tenants, connectors, events, metrics, close });
  const tenantControl: TenantControl = {
    publish: (m) => events.publish(m),
    streamListeners: () => events.listenerCount,
    onStreamListeners: (w) => events.onListenersChanged(w),
    subscribe: (l) => events.subscribe(l),
    tenants: () => store.listTenants().map((t) => t.id),
    activate: (id, where) => tenants.activate(id, where),
    deactivate: (id) => tenants.deactivate(id),
    isActive: (id) => tenants.isActive(id),
    onChanged: (l) => tenants.onChanged(l),
  };
  return Object.assign(hub, { tenantControl });
}
