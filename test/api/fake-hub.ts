// An in-memory Hub facade for API tests: behaves like the real hub at the HTTP boundary (views without
// secrets, NOT_FOUND/VALIDATION errors, paging) so the routes can be tested without sockets or SQLite.
// Tenants own their Microsoft 365 settings (teamsOf), connectors, endpoints and events; lists filter by
// `tenant`, and a tenant's view counts its connectors and endpoints.
import { Registry } from "prom-client";
import type { ConnectionTestResult, ConnectorStatus } from "../../engine/ports/adapters.js";
import { HubError } from "../../common/errors.js";
import { eventMatches } from "../../server/hub/events.js";
import type {
  ConnectorView,
  EndpointView,
  Hub,
  HubEvent,
  HubStreamMessage,
  HubTeams,
  PbxConnectorConfig,
  TeamsSettingsView,
  TenantView,
  UserView,
} from "../../server/hub/types.js";

export const SECRETS = { pbxPassword: "pbx-S3cret-pw!", clientSecret: "cl13nt~S3cret.value" };

const now = () => new Date().toISOString();
const offline: ConnectorStatus = { state: "offline", reason: "Not configured", since: now() };

export type FakeHub = Hub & {
  secrets: Map<string, string>;
  emit(m: HubStreamMessage): void;
  /** Appends an event to the log and streams it, as the hub does. */
  record(kind: HubEvent["kind"], message: string, extra?: Partial<HubEvent>): HubEvent;
  /** The endpoint views, to change them in a test. */
  endpointViews: EndpointView[];
};

export function createFakeHub(opts: { users?: number } = {}): FakeHub {
  const secrets = new Map<string, string>();
  const connectors = new Map<string, { view: ConnectorView; config: PbxConnectorConfig }>();
  const listeners = new Set<(m: HubStreamMessage) => void>();
  const events: HubEvent[] = [];
  let seq = 0;
  const blankTeams = (): TeamsSettingsView => ({
    configured: false,
    enabled: true,
    tenantId: "",
    clientId: "",
    clientSecretSet: false,
    authorityUrl: "https://login.microsoftonline.com",
    graphUrl: "https://graph.microsoft.com",
    effectiveWebhookBaseUrl: null,
    webhookBaseUrlSource: "none",
    pollIntervalSeconds: 30,
    sessionExpirationSeconds: 3600,
    serviceAccounts: [],
    status: { state: "offline", reason: "Not configured", since: now() },
    updatedAt: null,
  });
  const endpoints: EndpointView[] = [];
  for (let i = 0; i < (opts.users ?? 120); i++) {
    endpoints.push({
      id: `ep${i}`,
      connectorId: "c1",
      teamsUserId: i % 3 === 0 ? null : `t${i}`,
      pbxGuid: `g${i}`,
      displayName: `User ${i}`,
      email: `user${i}@example.com`,
      h323: `user${i}`,
      e164: String(100 + i),
      enabled: true,
      match: "auto",
      tenant: "default",
      teams: { presence: null, observed: null, at: null },
      pbx: { callState: "idle", activity: "", cfpr: true, ownCfb: true, at: null },
      hub: {
        pbx: { desired: null, acknowledged: null, pending: false, lastError: null, lastWriteAt: null, cfbEntry: null },
        teams: { desired: null, acknowledged: null, pending: false, lastError: null, lastWriteAt: null },
      },
      lastDecision: { teamsToPbx: null, pbxToTeams: null },
      cfb: null,
      warnings: [],
      updatedAt: now(),
    });
  }
  const event = (kind: HubEvent["kind"], message: string, extra: Partial<HubEvent> = {}) => {
    const e: HubEvent = { id: ++seq, at: now(), level: "info", kind, message, ...extra };
    events.unshift(e);
    for (const l of listeners) l({ type: "event", event: e });
    return e;
  };
  const getC = (id: string) => {
    const c = connectors.get(id);
    if (!c) throw new HubError("NOT_FOUND", `connector ${id} not found`);
    return c;
  };
  const view = (c: { view: ConnectorView; config: PbxConnectorConfig }): ConnectorView => {
    const { password, ...rest } = c.config;
    return { ...c.view, config: { ...rest, passwordSet: password !== "" } };
  };
  const testConfig = (config: PbxConnectorConfig): ConnectionTestResult =>
    config.password === SECRETS.pbxPassword
      ? {
          ok: true,
          summary: "Connected and logged in",
          steps: [
            { step: "login", ok: true, level: "ok", message: "ok" },
            { step: "admin", ok: true, level: "warn", message: "No PbxAdminApi access: call forwards cannot be read" },
          ],
        }
      : {
          ok: false,
          summary: "Login failed: wrong app object name or password",
          steps: [{ step: "login", ok: false, level: "error", message: "AppLogin rejected" }],
        };
  const getEp = (id: string) => {
    const ep = endpoints.find((e) => e.id === id);
    if (!ep) throw new HubError("NOT_FOUND", `endpoint ${id} not found`);
    return ep;
  };
  const metrics = new Registry();
  type TenantRecord = Pick<TenantView, "id" | "name" | "createdAt" | "updatedAt">;
  const tenants = new Map<string, TenantRecord>([["default", { id: "default", name: "Default", createdAt: now(), updatedAt: now() }]]);
  const teamsByTenant = new Map<string, HubTeams>();
  const tenantRecord = (id: string) => {
    const t = tenants.get(id);
    if (!t) throw new HubError("NOT_FOUND", `tenant ${id} not found`);
    return t;
  };
  const tenantOf = (id: string): TenantView => {
    const t = tenantRecord(id);
    const teams = teamsOf(id).get();
    const cs = [...connectors.values()].filter((c) => c.view.tenant === id);
    const eps = endpoints.filter((e) => e.tenant === id);
    return {
      ...t,
      teams: { configured: teams.configured, state: teams.status.state, reason: teams.status.reason },
      counts: {
        connectors: cs.length,
        connectorsOnline: cs.filter((c) => c.view.status.state === "online").length,
        endpoints: eps.length,
        matchedEndpoints: eps.filter((e) => e.teamsUserId !== null).length,
      },
    };
  };
  const teamsOf = (id: string): HubTeams => {
    tenantRecord(id);
    let teams = teamsByTenant.get(id);
    if (!teams) {
      teams = makeTeams(id);
      teamsByTenant.set(id, teams);
    }
    return teams;
  };
  /** One tenant's Microsoft 365 side; its client secret is secrets["teams"] (default) or ["teams:<tenant>"]. */
  const makeTeams = (tenant: string): HubTeams => {
    const key = tenant === "default" ? "teams" : `teams:${tenant}`;
    let teamsView = blankTeams();
    return {
      get: () => teamsView,
      async save(input) {
        const { clientSecret, caPem, webhookBaseUrl, ...rest } = input;
        if (clientSecret !== undefined) secrets.set(key, clientSecret);
        teamsView = {
          ...teamsView,
          ...rest,
          caPem: caPem ?? undefined,
          webhookBaseUrl: webhookBaseUrl ?? undefined,
          clientSecretSet: secrets.has(key),
          configured: true,
          updatedAt: now(),
        };
        return teamsView;
      },
      async test(input) {
        const secret = input?.clientSecret ?? secrets.get(key);
        return secret === SECRETS.clientSecret
          ? { ok: true, summary: "Token acquired", steps: [] }
          : { ok: false, summary: "AADSTS7000215: invalid client secret", steps: [] };
      },
      users: () => ({ items: [], total: 0, offset: 0, limit: 50 }),
      refresh: async () => teamsView,
      async beginServiceAccountSignIn(input) {
        return { url: `https://login.example/authorize?redirect_uri=${encodeURIComponent(input.redirectUri)}`, state: "s1" };
      },
      async completeServiceAccountSignIn(input) {
        if (input.state !== "s1") throw new HubError("VALIDATION", "unknown or expired sign-in state");
        return { id: "sa1", upn: "svc@example.com", status: "active", addedAt: now() };
      },
      removeServiceAccount: async () => {},
      adapter: () => undefined,
    };
  };
  const users = new Map<string, UserView & { password: string }>();
  let userSeq = 0;
  const userOf = (id: string) => {
    const u = users.get(id);
    if (!u) throw new HubError("NOT_FOUND", `user ${id} not found`);
    return u;
  };
  const userView = ({ password: _p, ...v }: UserView & { password: string }): UserView => v;
  const hub: FakeHub = {
    users: {
      list: () => [...users.values()].map(userView),
      get: (id) => userView(userOf(id)),
      async create(input) {
        if ([...users.values()].some((u) => u.username === input.username))
          throw new HubError("CONFLICT", `username: "${input.username}" is taken`);
        if (input.role === "tenant-admin") tenantOf(input.tenant ?? "");
        const u = {
          id: `u${++userSeq}`,
          username: input.username,
          role: input.role,
          tenant: input.role === "admin" ? null : (input.tenant ?? null),
          disabled: false,
          builtIn: false,
          createdAt: now(),
          updatedAt: now(),
          password: input.password,
        };
        users.set(u.id, u);
        return userView(u);
      },
      async update(id, input) {
        const u = userOf(id);
        if (input.password !== undefined) u.password = input.password;
        if (input.disabled !== undefined) u.disabled = input.disabled;
        if (input.role !== undefined) u.role = input.role;
        if (input.tenant !== undefined) u.tenant = input.tenant;
        return userView(u);
      },
      async remove(id) {
        userOf(id);
        users.delete(id);
      },
      async authenticate(username, password) {
        const u = [...users.values()].find((x) => x.username === username && x.password === password && !x.disabled);
        return u && userView(u);
      },
      async changePassword(id, current, next) {
        const u = userOf(id);
        if (u.password !== current) throw new HubError("UNAUTHORIZED", "currentPassword: wrong password");
        u.password = next;
      },
    },
    secrets,
    record: event,
    endpointViews: endpoints,
    emit: (m) => {
      for (const l of listeners) l(m);
    },
    tenants: {
      list: () => [...tenants.keys()].map(tenantOf),
      get: (id) => tenantOf(id),
      async create(input) {
        const id = input.id ?? input.name.toLowerCase().replace(/[^a-z0-9]+/g, "-");
        if (tenants.has(id)) throw new HubError("CONFLICT", `id: a tenant "${id}" exists already`);
        tenants.set(id, { id, name: input.name, createdAt: now(), updatedAt: now() });
        return tenantOf(id);
      },
      async update(id, input) {
        const t = tenantRecord(id);
        if (input.name) t.name = input.name;
        t.updatedAt = now();
        return tenantOf(id);
      },
      async remove(id) {
        tenantRecord(id);
        if (id === "default") throw new HubError("CONFLICT", "the default tenant cannot be deleted");
        for (const [cid, c] of connectors) if (c.view.tenant === id) connectors.delete(cid);
        for (let i = endpoints.length - 1; i >= 0; i--) if (endpoints[i].tenant === id) endpoints.splice(i, 1);
        tenants.delete(id);
        teamsByTenant.delete(id);
      },
    },
    teamsOf,
    webhookHandlers: () => [],
    connectors: {
      list: (q) => [...connectors.values()].map(view).filter((c) => !q?.tenant || c.tenant === q.tenant),
      get: (id) => view(getC(id)),
      async create(input) {
        tenantRecord(input.tenant ?? "default");
        if (input.type !== "innovaphone-dnd") throw new HubError("VALIDATION", `unknown connector type "${input.type}"`);
        const id = `c${connectors.size + 1}`;
        const config: PbxConnectorConfig = {
          server: "",
          port: 443,
          protocol: "wss",
          username: "",
          password: "",
          defaultDestination: "",
          modulePath: "/PBX0/APPS/websocket",
          ...input.config,
          tls: { insecure: false, ...input.config?.tls },
        } as PbxConnectorConfig;
        const c = {
          config,
          view: {
            id,
            tenant: input.tenant ?? "default",
            type: input.type,
            name: input.name,
            description: input.description ?? "",
            enabled: input.enabled ?? true,
            createdAt: now(),
            updatedAt: now(),
            status: offline,
            counts: { users: 0, endpoints: 0, enabledEndpoints: 0, matchedEndpoints: 0 },
            ruleSet: { id: input.type, title: "DND", revision: 1 },
          } as ConnectorView,
        };
        if (config.password) secrets.set(id, config.password);
        connectors.set(id, c);
        event("connector.created", `created ${input.name}`, { connectorId: id, tenant: c.view.tenant });
        return view(c);
      },
      async update(id, input) {
        const c = getC(id);
        const { config, ...rest } = input;
        Object.assign(c.view, rest);
        if (config) {
          c.config = { ...c.config, ...config, tls: { ...c.config.tls, ...config.tls } } as PbxConnectorConfig;
          if (config.password !== undefined) secrets.set(id, config.password);
          c.view.status = testConfig(c.config).ok
            ? { state: "online", reason: "Connected", since: now() }
            : { state: "auth_failed", reason: "Login failed", since: now() };
        }
        return view(c);
      },
      async remove(id) {
        getC(id);
        connectors.delete(id);
      },
      async setEnabled(id, enabled) {
        const c = getC(id);
        c.view.enabled = enabled;
        return view(c);
      },
      async test(input) {
        const base = input.id ? getC(input.id).config : ({ password: "" } as PbxConnectorConfig);
        return testConfig({ ...base, ...input.config } as PbxConnectorConfig);
      },
      async refresh(id) {
        return view(getC(id));
      },
    },
    get teams() {
      return teamsOf("default");
    },
    endpoints: {
      list(q = {}) {
        const s = q.search?.toLowerCase();
        const all = endpoints.filter(
          (e) =>
            (!q.tenant || e.tenant === q.tenant) &&
            (!q.connectorId || e.connectorId === q.connectorId) &&
            (!s || `${e.displayName} ${e.email} ${e.h323} ${e.e164}`.toLowerCase().includes(s)) &&
            (q.enabled === undefined || e.enabled === q.enabled) &&
            (q.matched === undefined || (e.teamsUserId !== null) === q.matched),
        );
        const offset = q.offset ?? 0;
        const limit = q.limit ?? 50;
        return { items: all.slice(offset, offset + limit), total: all.length, offset, limit };
      },
      get: getEp,
      async update(id, input) {
        const ep = getEp(id);
        if (input.enabled !== undefined) ep.enabled = input.enabled;
        return ep;
      },
      async bulkEnable(input) {
        let updated = 0;
        for (const e of endpoints) {
          if (input.ids && !input.ids.includes(e.id)) continue;
          e.enabled = input.enabled;
          updated++;
        }
        return { updated };
      },
      rematch: async () => ({ matched: 80, unmatched: 40, changed: 0 }),
    },
    events: {
      list: async (q = {}) =>
        events
          .filter((e) => eventMatches(e, q) && (q.beforeId === undefined || e.id < q.beforeId))
          .slice(0, q.limit ?? 100),
      subscribe(l) {
        listeners.add(l);
        return () => listeners.delete(l);
      },
    },
    metrics,
    health: () => ({
      ok: true,
      state: "running",
      startedAt: now(),
      version: "test",
      store: { ok: true },
      connectors: [],
      teams: { configured: false, state: "offline" },
      tenants: [...tenants.keys()].map((id) => ({ id, teams: { configured: false, state: "offline" as const } })),
      sync: { endpoints: endpoints.length, enabled: endpoints.length, pending: 0, failing: 0 },
    }),
    close: async () => {},
  };
  return hub;
}
