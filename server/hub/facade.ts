// The Hub facade over the running parts: what the admin API, the UI and the CLI may call. Thin delegation
// plus the input checks of the endpoint calls and health(), which summarizes every part in one object.
import { validateInput } from "../../common/validation.js";
import type { SyncCore } from "../../engine/sync/core.js";
import type { HubLifecycle } from "./close.js";
import type { ConnectorManager } from "./connectors.js";
import type { EndpointDirectory } from "./endpoints.js";
import type { EventLog } from "./events.js";
import type { HubMetrics } from "./metrics.js";
import { EndpointBulkEnableInput, EndpointUpdateInput } from "./schemas.js";
import type { TeamsManager } from "./teams.js";
import type { CloseOptions, Hub, HubHealth } from "./types.js";

export interface HubParts {
  version: string;
  lifecycle: HubLifecycle;
  core: SyncCore;
  connectors: ConnectorManager;
  teams: TeamsManager;
  endpoints: EndpointDirectory;
  events: EventLog;
  metrics: HubMetrics;
  close: (options?: CloseOptions) => Promise<void>;
}

export function hubFacade(p: HubParts): Hub {
  const { connectors, teams, endpoints, events } = p;
  return {
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
      update: async (id, input) => endpoints.update(id, validateInput(EndpointUpdateInput, input)),
      bulkEnable: async (input) => endpoints.bulkEnable(validateInput(EndpointBulkEnableInput, input)),
      rematch: async (connectorId) => endpoints.rematch(connectorId),
    },
    events: {
      list: (query) => events.list(query),
      subscribe: (listener) => events.subscribe(listener),
    },
    metrics: p.metrics.registry,
    health: () => health(p),
    close: p.close,
  };
}

function health(p: HubParts): HubHealth {
  const { state, startedAt } = p.lifecycle;
  const list = state === "stopped" ? [] : p.connectors.list();
  const t = state === "stopped" ? { configured: false, status: { state: "offline" as const } } : p.teams.get();
  const s = p.core.stats();
  const totals = p.endpoints.totals();
  return {
    ok: state === "running",
    state,
    startedAt,
    version: p.version,
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
}
