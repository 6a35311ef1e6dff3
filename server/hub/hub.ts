// openHub: assembles the running hub (store, sync core, connectors, Microsoft 365, endpoints, event log,
// metrics) and returns the Hub facade the admin API, UI and CLI use. The facade only configures,
// observes and explains; presence events flow adapter → core → adapter without passing through here.
import { teamsModule } from "../../connectors/index.js";
import { packageVersion } from "../../common/paths.js";
import { logger as makeLogger } from "../../common/log.js";
import { SyncCore } from "../../engine/sync/core.js";
import { openSqliteStore } from "../store/sqlite.js";
import { hubCloser, type HubLifecycle } from "./close.js";
import { ConnectorManager } from "./connectors.js";
import { EndpointDirectory } from "./endpoints.js";
import { EventLog } from "./events.js";
import { hubFacade } from "./facade.js";
import { HubMetrics } from "./metrics.js";
import { syncNoticeHandler } from "./sync-notices.js";
import { BatchedSyncPersistence } from "./sync-persistence.js";
import { TeamsManager } from "./teams.js";
import type { Hub, OpenHubOptions } from "./types.js";

const VERSION = packageVersion();

export async function openHub(options: OpenHubOptions): Promise<Hub> {
  const log = options.logger ?? makeLogger("hub");
  const store = openSqliteStore({
    dataDir: options.dataDir,
    secretKey: options.secretKey,
    eventLogLimit: options.eventLogLimit,
  });
  const lifecycle: HubLifecycle = { state: "running", startedAt: new Date().toISOString() };
  const registry = options.registry;

  // Late-bound parts (the event log and the core need views/notices from parts created after them).
  let endpoints!: EndpointDirectory;
  let connectors!: ConnectorManager;
  const events = new EventLog(store, log, (id) => endpoints?.tryView(id));

  const ruleStatus =
    typeof (registry as { list?: unknown }).list === "function"
      ? () =>
          (registry as unknown as { list(): { id: string; revision: number; state: string }[] })
            .list()
            .map((r) => ({ id: r.id, revision: r.revision, ok: r.state === "ok" }))
      : undefined;
  let core!: SyncCore;
  const metrics = new HubMetrics(() => {
    const s = core.stats();
    const t = endpoints.totals();
    return { pending: s.pending, failing: s.failing, endpoints: t.endpoints, enabled: t.enabled };
  }, ruleStatus);

  const persistence = new BatchedSyncPersistence(store, log);
  core = new SyncCore({
    rules: registry,
    persistence,
    concurrency: options.concurrency,
    retryBaseMs: options.sync?.retryBaseMs,
    retryMaxMs: options.sync?.retryMaxMs,
    echoGraceMs: options.sync?.echoGraceMs,
    staleAfterMs: options.sync?.staleAfterMs,
    notify: syncNoticeHandler(store, metrics, events),
    logger: makeLogger("sync"),
  });

  connectors = new ConnectorManager({
    store,
    core,
    rules: registry,
    events,
    metrics,
    log: makeLogger("connectors"),
    factories: options.adapterFactories ?? {},
    endpoints: () => endpoints,
    undoTimeoutMs: options.undoTimeoutMs ?? 5000,
  });
  endpoints = new EndpointDirectory(store, core, events, registry, (id) => connectors.info(id));
  const teams = new TeamsManager({
    store,
    core,
    events,
    metrics,
    log: makeLogger("teams-settings"),
    factory: options.teamsFactory ?? teamsModule,
    endpoints: () => endpoints,
    publicBaseUrl: options.publicBaseUrl,
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

  // Teams first: a PBX adapter that synchronizes before Teams is attached would otherwise see "no Teams"
  // and clear what the hub set before the restart.
  teams.start();
  connectors.startAll();
  events.add({ level: "info", kind: "hub.started", message: `Presence Hub ${VERSION} started` });

  const close = hubCloser({
    lifecycle,
    store,
    core,
    connectors,
    teams,
    endpoints,
    events,
    persistence,
    unsubscribeSwap,
  });
  return hubFacade({ version: VERSION, lifecycle, core, connectors, teams, endpoints, events, metrics, close });
}
