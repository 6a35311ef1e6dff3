// The Hub facade over the running parts: what the admin API, the UI and the CLI may call. Connectors are
// hub-wide (each belongs to a tenant); Microsoft 365, endpoints and sync run per tenant (TenantRuntime),
// so calls about one endpoint find the tenant that holds it, and lists merge the tenants' in list order.
import { HubError } from "../../common/errors.js";
import { validateInput } from "../../common/validation.js";
import type { TeamsWebhookHandler } from "../../connectors/teams/webhook.js";
import { DEFAULT_TENANT } from "../store/types.js";
import type { HubLifecycle } from "./close.js";
import type { ConnectorManager } from "./connectors.js";
import { byListOrder } from "./endpoints.js";
import type { EventLog } from "./events.js";
import type { HubMetrics } from "./metrics.js";
import { EndpointBulkEnableInput, EndpointUpdateInput } from "./schemas.js";
import { syncTotals, type TenantRuntime } from "./tenant-runtime.js";
import type { TenantManager } from "./tenants.js";
import type { UserManager } from "./users.js";
import type {
  CloseOptions,
  EndpointListQuery,
  EndpointView,
  Hub,
  HubHealth,
  HubTeams,
  Page,
} from "./types.js";

export interface HubParts {
  version: string;
  users: UserManager;
  lifecycle: HubLifecycle;
  tenants: TenantManager;
  connectors: ConnectorManager;
  events: EventLog;
  metrics: HubMetrics;
  close: (options?: CloseOptions) => Promise<void>;
}

export function hubFacade(p: HubParts): Hub {
  const { tenants, connectors, events } = p;
  /** The tenant runtime holding an endpoint (ids are unique hub-wide). */
  const holding = (id: string): TenantRuntime => {
    const r = tenants.all().find((t) => t.endpoints.has(id));
    if (!r) throw new HubError("NOT_FOUND", `endpoint ${id} not found`);
    return r;
  };
  const scope = (tenant: string | undefined): TenantRuntime[] =>
    tenant === undefined ? tenants.all() : [tenants.runtime(tenant)];
  return {
    users: p.users,
    tenants: {
      list: () => tenants.list(),
      get: (id) => tenants.get(id),
      create: (input) => tenants.create(input),
      update: (id, input) => tenants.update(id, input),
      remove: (id) => tenants.remove(id),
    },
    connectors: {
      list: (query) => {
        if (query?.tenant) tenants.runtime(query.tenant); // NOT_FOUND for an unknown tenant
        return connectors.list(query?.tenant);
      },
      get: (id) => connectors.get(id),
      create: (input) => connectors.create(input),
      update: (id, input) => connectors.update(id, input),
      remove: (id) => connectors.remove(id),
      setEnabled: (id, enabled) => connectors.setEnabled(id, enabled),
      test: (input) => connectors.test(input),
      refresh: (id) => connectors.refresh(id),
    },
    get teams() {
      return teamsApi(tenants.runtime(DEFAULT_TENANT));
    },
    teamsOf: (tenant) => teamsApi(tenants.runtime(tenant)),
    webhookHandlers: () =>
      tenants
        .all()
        .map((t) => t.teams.currentAdapter() as Partial<TeamsWebhookHandler> | undefined)
        .filter((a): a is TeamsWebhookHandler => typeof a?.handleNotifications === "function"),
    endpoints: {
      list: (query = {}) => listEndpoints(scope(query.tenant), query),
      get: (id) => holding(id).endpoints.get(id),
      update: async (id, input) =>
        holding(id).endpoints.update(id, validateInput(EndpointUpdateInput, input)),
      bulkEnable: async (input) => {
        validateInput(EndpointBulkEnableInput, input);
        let updated = 0;
        for (const t of scope(input.tenant)) updated += (await t.endpoints.bulkEnable(input)).updated;
        return { updated };
      },
      rematch: async (connectorId) => {
        const runtimes = connectorId ? [tenants.runtime(connectors.get(connectorId).tenant)] : tenants.all();
        const sum = { matched: 0, unmatched: 0, changed: 0 };
        for (const t of runtimes) {
          const r = t.endpoints.rematch(connectorId);
          sum.matched += r.matched;
          sum.unmatched += r.unmatched;
          sum.changed += r.changed;
        }
        return sum;
      },
    },
    events: {
      list: (query) => events.list(query),
      subscribe: (listener) => events.subscribe(listener),
    },
    metrics: p.metrics.registry,
    health: (query) => health(p, query?.tenant),
    close: p.close,
  };
}

function teamsApi(t: TenantRuntime): HubTeams {
  const teams = t.teams;
  return {
    get: () => teams.get(),
    save: (input) => teams.save(input),
    test: (input) => teams.test(input),
    users: (query) => t.endpoints.directoryUsers(query),
    refresh: () => teams.refresh(),
    beginServiceAccountSignIn: (input) => teams.beginSignIn(input),
    completeServiceAccountSignIn: (input) => teams.completeSignIn(input),
    removeServiceAccount: (id) => teams.removeServiceAccount(id),
    hasPendingSignIn: (state) => teams.hasPendingSignIn(state),
    adapter: () => teams.currentAdapter(),
  };
}

/** One page over the tenants in scope, in list order. */
function listEndpoints(runtimes: TenantRuntime[], query: EndpointListQuery): Page<EndpointView> {
  const offset = Math.max(0, query.offset ?? 0);
  const limit = Math.max(1, Math.min(500, query.limit ?? 50));
  if (runtimes.length === 1) return runtimes[0]!.endpoints.list(query);
  const rows = runtimes.flatMap((t) => t.endpoints.matching(query).map((row) => ({ row, t })));
  rows.sort((a, b) => byListOrder(a.row, b.row));
  const items = rows.slice(offset, offset + limit).map(({ row, t }) => t.endpoints.view(row));
  return { items, total: rows.length, offset, limit };
}

/** The hub's health; with a tenant, its details are that tenant's only (a tenant admin's view). */
function health(p: HubParts, tenant?: string): HubHealth {
  const { state, startedAt } = p.lifecycle;
  const running = state !== "stopped";
  const runtimes = running ? p.tenants.all().filter((t) => tenant === undefined || t.id === tenant) : [];
  const teamsOf = (t: TenantRuntime | undefined): HubHealth["teams"] => {
    if (!t) return { configured: false, state: "offline" };
    const v = t.teams.get();
    return { configured: v.configured, state: v.status.state };
  };
  // This instance's: the connectors of the tenants it runs (with several instances, each its own).
  const list = running ? p.connectors.list(tenant).filter((c) => p.tenants.isActive(c.tenant)) : [];
  const sync = syncTotals(runtimes);
  // `teams` is the default tenant's; in one tenant's view it is that tenant's own (the default's is not its business).
  const main = runtimes.find((t) => t.id === DEFAULT_TENANT);
  return {
    ok: state === "running",
    state,
    startedAt,
    version: p.version,
    store: { ok: running },
    connectors: list.map((c) => ({ id: c.id, name: c.name, enabled: c.enabled, state: c.status.state })),
    teams: teamsOf(main ?? (tenant === undefined ? undefined : runtimes[0])),
    tenants: runtimes.map((t) => ({ id: t.id, teams: teamsOf(t) })),
    sync,
  };
}
