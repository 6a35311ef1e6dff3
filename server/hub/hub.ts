// openHub: assembles the running hub (store, sync core, connectors, Microsoft 365, endpoints, event log,
// metrics) and returns the Hub facade the admin API, UI and CLI use. The facade only configures,
// observes and explains; presence events flow adapter → core → adapter without passing through here.
import { logger as makeLogger } from "../../common/log.js";
import { SyncCore } from "../../engine/sync/core.js";
import type { SyncNotice } from "../../engine/sync/types.js";
import { openSqliteStore } from "../store/sqlite.js";
import { ConnectorManager } from "./connectors.js";
import { EndpointDirectory } from "./endpoints.js";
import { EventLog } from "./events.js";
import { defaultAdapterFactories, teamsFactory as defaultTeamsFactory } from "./factories.js";
import { HubMetrics } from "./metrics.js";
import { endpointBulkEnableSchema, endpointUpdateSchema, validateInput } from "./schemas.js";
import { BatchedSyncPersistence } from "./sync-persistence.js";
import { TeamsManager } from "./teams.js";
import type {
  CloseOptions,
  EndpointBulkEnableInput,
  EndpointUpdateInput,
  Hub,
  HubHealth,
  OpenHubOptions,
} from "./types.js";

const VERSION = process.env.npm_package_version ?? "0.1.0";

export async function openHub(options: OpenHubOptions): Promise<Hub> {
  const log = options.logger ?? makeLogger("hub");
  const store = openSqliteStore({
    dataDir: options.dataDir,
    secretKey: options.secretKey,
    eventLogLimit: options.eventLogLimit,
  });
  const startedAt = new Date().toISOString();
  let state: HubHealth["state"] = "running";
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
        metrics.eventsProcessed.inc({ side: n.side, echo: String(n.echo) });
        return;
      case "endpoint.changed":
        events.endpointChanged(n.endpointId);
        return;
      case "decision.teamsToPbx": {
        metrics.decisions.inc({ direction: "teamsToPbx", type: typeOf(n.connectorId) });
        events.add({
          level: "info",
          kind: "decision.teamsToPbx",
          connectorId: n.connectorId,
          endpointId: n.endpointId,
          message: n.record.reason,
          details: { input: n.input, decision: n.decision, cfb: n.cfb, revision: n.record.revision },
        });
        return;
      }
      case "decision.pbxToTeams": {
        metrics.decisions.inc({ direction: "pbxToTeams", type: typeOf(n.connectorId) });
        events.add({
          level: "info",
          kind: "decision.pbxToTeams",
          connectorId: n.connectorId,
          endpointId: n.endpointId,
          message: n.record.reason,
          details: { input: n.input, decision: n.decision, revision: n.record.revision },
        });
        return;
      }
      case "cfb.lost":
        events.add({
          level: "warn",
          kind: "cfb.lost",
          connectorId: n.connectorId,
          endpointId: n.endpointId,
          message: `PBX busy destination ${n.entry.e164 || n.entry.h323} the hub added was removed on the PBX while diverting; adding it again`,
          details: { entry: n.entry },
        });
        return;
      case "cfb.kept": {
        const where = n.entries.map((e) => e.e164 || e.h323).join(", ");
        events.add({
          level: "info",
          kind: "cfb.kept",
          connectorId: n.connectorId,
          endpointId: n.endpointId,
          message: `PBX busy destination ${where} left in place (the rule set says restore: false); it is the user's now`,
          details: { entries: n.entries },
        });
        return;
      }
      case "write": {
        metrics.writes.inc({ side: n.side, op: n.op, result: n.ok ? "ok" : "error" });
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

  const persistence = new BatchedSyncPersistence(store, log);
  core = new SyncCore({
    rules: registry,
    persistence,
    concurrency: options.concurrency,
    retryBaseMs: options.sync?.retryBaseMs,
    retryMaxMs: options.sync?.retryMaxMs,
    echoGraceMs: options.sync?.echoGraceMs,
    staleAfterMs: options.sync?.staleAfterMs,
    notify: onNotice,
    logger: makeLogger("sync"),
  });

  const undoTimeoutMs = options.undoTimeoutMs ?? 5000;
  connectors = new ConnectorManager({
    store,
    core,
    rules: registry,
    events,
    metrics,
    log: makeLogger("connectors"),
    factories: { ...defaultAdapterFactories, ...(options.adapterFactories ?? {}) },
    endpoints: () => endpoints,
    undoTimeoutMs,
  });
  endpoints = new EndpointDirectory(store, core, events, registry, (id) => connectors.info(id));
  const teams = new TeamsManager({
    store,
    core,
    events,
    metrics,
    log: makeLogger("teams-settings"),
    factory: options.teamsFactory ?? defaultTeamsFactory,
    endpoints: () => endpoints,
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

  let closing: Promise<void> | undefined;
  const close = (opts: CloseOptions = {}): Promise<void> => {
    closing ??= (async () => {
      state = "stopping";
      const undo = opts.undo ?? true;
      const timeoutMs = opts.timeoutMs ?? 5000;
      events.add({
        level: "info",
        kind: "hub.stopping",
        message: undo ? "Stopping: undoing what the hub set" : "Stopping",
      });
      if (undo) {
        const ids = endpoints.ids();
        const left = await core.release(ids, timeoutMs);
        if (left.length) {
          events.add({
            level: "warn",
            kind: "undo",
            message: `Undo incomplete for ${left.length} endpoint(s); the next start reconciles them (Teams sessions expire on their own)`,
            details: { endpoints: left.slice(0, 100) },
          });
        }
      }
      unsubscribeSwap();
      await Promise.allSettled([connectors.stopAll(), teams.stop()]);
      core.close();
      endpoints.flush();
      events.add({ level: "info", kind: "hub.stopped", message: "Stopped" });
      events.close();
      persistence.flush();
      store.close();
      state = "stopped";
    })();
    return closing;
  };

  const hub: Hub = {
    connectors: {
      list: () => connectors.list(),
      get: (id) => connectors.get(id),
      create: (input) => connectors.create(input),
      update: (id, input) => connectors.update(id, input),
      remove: (id) => connectors.remove(id),
      setEnabled: (id, enabled) => connectors.setEnabled(id, enabled),
      test: (input) => connectors.test(input),
      refresh: (id) => connectors.refresh(id),
    },
    teams: {
      get: () => teams.get(),
      save: (input) => teams.save(input),
      test: (input) => teams.test(input),
      users: (query) => endpoints.directoryUsers(query),
      refresh: () => teams.refresh(),
      beginServiceAccountSignIn: (input) => teams.beginSignIn(input),
      completeServiceAccountSignIn: (input) => teams.completeSignIn(input),
      removeServiceAccount: (id) => teams.removeServiceAccount(id),
      adapter: () => teams.currentAdapter(),
    },
    endpoints: {
      list: (query) => endpoints.list(query),
      get: (id) => endpoints.get(id),
      update: async (id, input) =>
        endpoints.update(id, validateInput<EndpointUpdateInput>(endpointUpdateSchema, input)),
      bulkEnable: async (input) =>
        endpoints.bulkEnable(validateInput<EndpointBulkEnableInput>(endpointBulkEnableSchema, input)),
      rematch: async (connectorId) => endpoints.rematch(connectorId),
    },
    events: {
      list: (query) => events.list(query),
      subscribe: (listener) => events.subscribe(listener),
    },
    metrics: metrics.registry,
    health: () => {
      const list = state === "stopped" ? [] : connectors.list();
      const t =
        state === "stopped" ? { configured: false, status: { state: "offline" as const } } : teams.get();
      const s = core.stats();
      const totals = endpoints.totals();
      return {
        ok: state === "running",
        state,
        startedAt,
        version: VERSION,
        store: { ok: state !== "stopped" },
        connectors: list.map((c) => ({ id: c.id, name: c.name, enabled: c.enabled, state: c.status.state })),
        teams: { configured: t.configured, state: t.status.state },
        sync: {
          endpoints: totals.endpoints,
          enabled: totals.enabled,
          pending: s.pending,
          failing: s.failing,
        },
      };
    },
    close,
  };
  return hub;
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
