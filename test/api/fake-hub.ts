// An in-memory Hub facade for API tests: behaves like the real hub at the HTTP boundary (views without
// secrets, NOT_FOUND/VALIDATION errors, paging) so the routes can be tested without sockets or SQLite.
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
  let teamsView: TeamsSettingsView = {
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
  };
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
  const tenantView = (id: string, name: string): TenantView => ({
    id,
    name,
    createdAt: now(),
    updatedAt: now(),
    teams: { configured: false, state: "offline", reason: "Not configured" },
    counts: { connectors: 0, connectorsOnline: 0, endpoints: 0, matchedEndpoints: 0 },
  });
  const tenants = new Map<string, TenantView>([["default", tenantView("default", "Default")]]);
  const tenantOf = (id: string) => {
    const t = tenants.get(id);
    if (!t) throw new HubError("NOT_FOUND", `tenant ${id} not found`);
    return t;
  };
  const users = new Map<string, UserView & { password: string }>();
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
          id: `u${users.size + 1}`,
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
      list: () => [...tenants.values()],
      get: (id) => tenantOf(id),
      async create(input) {
        const id = input.id ?? input.name.toLowerCase().replace(/[^a-z0-9]+/g, "-");
        if (tenants.has(id)) throw new HubError("CONFLICT", `id: a tenant "${id}" exists already`);
        tenants.set(id, tenantView(id, input.name));
        return tenantOf(id);
      },
      async update(id, input) {
        const t = tenantOf(id);
        if (input.name) t.name = input.name;
        return t;
      },
      async remove(id) {
        tenantOf(id);
        if (id === "default") throw new HubError("CONFLICT", "the default tenant cannot be deleted");
        tenants.delete(id);
      },
    },
    teamsOf: (id) => {
      tenantOf(id);
      return hub.teams;
    },
    webhookHandlers: () => [],
    connectors: {
      list: (q) => [...connectors.values()].map(view).filter((c) => !q?.tenant || c.tenant === q.tenant),
      get: (id) => view(getC(id)),
      async create(input) {
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
        event("connector.created", `created ${input.name}`, { connectorId: id });
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
    teams: {
      get: () => teamsView,
      async save(input) {
        const { clientSecret, caPem, webhookBaseUrl, ...rest } = input;
        if (clientSecret !== undefined) secrets.set("teams", clientSecret);
        teamsView = {
          ...teamsView,
          ...rest,
          caPem: caPem ?? undefined,
          webhookBaseUrl: webhookBaseUrl ?? undefined,
          clientSecretSet: secrets.has("teams"),
          configured: true,
          updatedAt: now(),
        };
        return teamsView;
      },
      async test(input) {
        const secret = input?.clientSecret ?? secrets.get("teams");
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
    },
    endpoints: {
      list(q = {}) {
        const s = q.search?.toLowerCase();
        const all = endpoints.filter(
          (e) =>
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
