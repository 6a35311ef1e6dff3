// The Hub as one signed-in account may see it: the one place where tenant scoping is enforced. Every
// authenticated request gets its scoped hub (request.hub) and every admin route goes through it, so a
// route cannot forget a tenant check. Admins get the whole hub (plus the configured admin in the users
// list); a tenant admin of T gets T's tenant, connectors, Microsoft 365 settings, endpoints, events and
// stream, and FORBIDDEN for hub-wide things (tenants, admin accounts, metrics).
// Another tenant's things answer NOT_FOUND, exactly like things that do not exist — with messages that
// name no id — so a tenant admin cannot even learn which ids exist elsewhere.
import { HubError, isHubError } from "../../common/errors.js";
import { DEFAULT_TENANT } from "../store/types.js";
import type {
  AdminRole,
  ConnectorView,
  EndpointView,
  Hub,
  HubStreamMessage,
  HubUsers,
  RematchResult,
  UserView,
} from "./types.js";

/** Who is asking: the role and tenant of a session or the API token. */
export interface HubIdentity {
  role: AdminRole;
  /** The tenant of a tenant admin; null for admins. */
  tenant: string | null;
  /** The stored account; absent for the configured admin and the API token. */
  userId?: string;
}

export interface ScopeOptions {
  /** The configured admin as the users list shows it (not stored, cannot be changed or deleted here). */
  builtinAdmin?: UserView;
}

/** The id the configured admin has in the users API. */
export const BUILTIN_ADMIN_ID = "builtin-admin";

const forbidden = (what: string) =>
  new HubError("FORBIDDEN", `${what} needs an admin account; a tenant admin manages its own tenant only`);

/** The same answer for "does not exist" and "belongs to another tenant" (no id: nothing to compare). */
const notFound = (what: string) => new HubError("NOT_FOUND", `${what} not found`);

/** Runs `get`; a NOT_FOUND of the hub becomes the id-free one, other errors pass. */
function lookup<T>(what: string, get: () => T): T {
  try {
    return get();
  } catch (e) {
    if (isHubError(e, "NOT_FOUND")) throw notFound(what);
    throw e;
  }
}

/** The hub as `identity` may use it. */
export function scopeHub(hub: Hub, identity: HubIdentity, options: ScopeOptions = {}): Hub {
  if (identity.role === "admin") return adminHub(hub, identity, options);
  // A tenant admin without a tenant cannot happen (users.ts requires one); fail closed if it ever does.
  return tenantHub(hub, identity.tenant ?? "\u0000none", identity);
}

// ---------------------------------------------------------------- admins

function adminHub(hub: Hub, identity: HubIdentity, options: ScopeOptions): Hub {
  const builtin = options.builtinAdmin;
  const users: HubUsers = {
    list: () => [...(builtin ? [builtin] : []), ...hub.users.list()],
    get: (id) => (builtin && id === BUILTIN_ADMIN_ID ? builtin : hub.users.get(id)),
    create: (input) => {
      // The configured admin's name stays its own (users.ts checks it too when the hub knows the name).
      if (builtin && input.username.trim().toLowerCase() === builtin.username.toLowerCase())
        throw new HubError("CONFLICT", `username: "${input.username.trim()}" is taken`);
      return hub.users.create(input);
    },
    update: async (id, input) => {
      if (id === BUILTIN_ADMIN_ID) throw configuredAdmin();
      if (id === identity.userId) {
        // Nobody locks themselves out or changes their own powers; another admin has to.
        if (input.disabled === true) throw new HubError("CONFLICT", "you cannot disable your own account");
        if (input.role !== undefined || input.tenant !== undefined) {
          const me = hub.users.get(id);
          if ((input.role ?? me.role) !== me.role || (input.tenant !== undefined && input.tenant !== me.tenant))
            throw new HubError("CONFLICT", "you cannot change your own role or tenant");
        }
        // The own password needs the current one (POST /api/auth/password), also with a stolen session.
        if (input.password !== undefined)
          throw new HubError("CONFLICT", "change your own password with POST /api/auth/password (needs the current one)");
      }
      return hub.users.update(id, input);
    },
    remove: async (id) => {
      if (id === BUILTIN_ADMIN_ID) throw configuredAdmin();
      if (id === identity.userId) throw new HubError("CONFLICT", "you cannot delete your own account");
      return hub.users.remove(id);
    },
    authenticate: (username, password) => hub.users.authenticate(username, password),
    changePassword: async (id, current, next) => {
      if (id === BUILTIN_ADMIN_ID) throw configuredAdmin();
      if (id !== identity.userId) throw forbidden("changing another account's password with its current one");
      return hub.users.changePassword(id, current, next);
    },
  };
  return {
    users,
    tenants: hub.tenants,
    connectors: hub.connectors,
    get teams() {
      return hub.teams;
    },
    teamsOf: (tenant) => hub.teamsOf(tenant),
    webhookHandlers: () => hub.webhookHandlers(),
    endpoints: hub.endpoints,
    events: hub.events,
    get metrics() {
      return hub.metrics;
    },
    health: (query) => hub.health(query),
    close: (o) => hub.close(o),
  };
}

function configuredAdmin(): HubError {
  return new HubError(
    "CONFLICT",
    "the configured admin comes from the hub's configuration (PRESENCE_HUB_ADMIN_USER / PRESENCE_HUB_ADMIN_PASSWORD); " +
      "change it there",
  );
}

// ---------------------------------------------------------------- tenant admins

/** Which tenant a stream message belongs to; undefined = hub-wide (never shown to a tenant admin). */
export function messageTenant(m: HubStreamMessage): string | undefined {
  switch (m.type) {
    case "event":
      return m.event.tenant;
    case "endpoint":
      return m.endpoint.tenant;
    case "connector":
      return m.connector.tenant;
    case "teams":
      return m.tenant;
  }
}

function tenantHub(hub: Hub, T: string, identity: HubIdentity): Hub {
  /** A `?tenant=` (or body `tenant`) naming another tenant: that tenant "does not exist". */
  const onlyOwn = (tenant: string | undefined) => {
    if (tenant !== undefined && tenant !== T) throw notFound("tenant");
  };
  const connector = (id: string): ConnectorView => {
    const c = lookup("connector", () => hub.connectors.get(id));
    if (c.tenant !== T) throw notFound("connector");
    return c;
  };
  const endpoint = (id: string): EndpointView => {
    const e = lookup("endpoint", () => hub.endpoints.get(id));
    if (e.tenant !== T) throw notFound("endpoint");
    return e;
  };
  const teams = () => lookup("tenant", () => hub.teamsOf(T));

  return {
    users: {
      list: () => {
        throw forbidden("the admin accounts");
      },
      get: () => {
        throw forbidden("the admin accounts");
      },
      create: async () => {
        throw forbidden("adding admin accounts");
      },
      update: async () => {
        throw forbidden("changing admin accounts");
      },
      remove: async () => {
        throw forbidden("deleting admin accounts");
      },
      authenticate: (username, password) => hub.users.authenticate(username, password),
      changePassword: async (id, current, next) => {
        if (id !== identity.userId) throw forbidden("changing another account's password");
        return hub.users.changePassword(id, current, next);
      },
    },
    tenants: {
      list: () => hub.tenants.list().filter((t) => t.id === T),
      get: (id) => {
        onlyOwn(id);
        return lookup("tenant", () => hub.tenants.get(T));
      },
      create: async () => {
        throw forbidden("adding tenants");
      },
      // Tenant records (name, existence) are the service provider's; the tenant's admin runs what is in it.
      update: async (id) => {
        onlyOwn(id);
        throw forbidden("renaming the tenant");
      },
      remove: async (id) => {
        onlyOwn(id);
        throw forbidden("deleting the tenant");
      },
    },
    connectors: {
      list: (query) => {
        onlyOwn(query?.tenant);
        return hub.connectors.list({ tenant: T });
      },
      get: (id) => connector(id),
      create: (input) => {
        onlyOwn(input.tenant);
        return hub.connectors.create({ ...input, tenant: T });
      },
      update: async (id, input) => {
        connector(id);
        return hub.connectors.update(id, input);
      },
      remove: async (id) => {
        connector(id);
        return hub.connectors.remove(id);
      },
      setEnabled: async (id, enabled) => {
        connector(id);
        return hub.connectors.setEnabled(id, enabled);
      },
      // Unsaved settings (no id) hold nothing of anyone; a saved connector's test uses its stored password.
      test: async (input) => {
        if (input.id !== undefined) connector(input.id);
        return hub.connectors.test(input);
      },
      refresh: async (id) => {
        connector(id);
        return hub.connectors.refresh(id);
      },
    },
    get teams() {
      // `/api/teams` is the default tenant's; to any other tenant's admin it does not exist.
      if (T !== DEFAULT_TENANT) throw notFound("tenant");
      return teams();
    },
    teamsOf: (tenant) => {
      onlyOwn(tenant);
      return teams();
    },
    webhookHandlers: () => {
      throw forbidden("the Graph webhook handlers");
    },
    endpoints: {
      list: (query = {}) => {
        onlyOwn(query.tenant);
        return hub.endpoints.list({ ...query, tenant: T });
      },
      get: (id) => endpoint(id),
      update: async (id, input) => {
        endpoint(id);
        return hub.endpoints.update(id, input);
      },
      // Ids and filters of other tenants simply match nothing here, as unknown ones do.
      bulkEnable: async (input) => {
        onlyOwn(input.tenant);
        return hub.endpoints.bulkEnable({ ...input, tenant: T });
      },
      rematch: async (connectorId) => {
        if (connectorId !== undefined) {
          connector(connectorId);
          return hub.endpoints.rematch(connectorId);
        }
        // Endpoints always belong to a connector: T's connectors one by one are T's endpoints.
        const sum: RematchResult = { matched: 0, unmatched: 0, changed: 0 };
        for (const c of hub.connectors.list({ tenant: T })) {
          const r = await hub.endpoints.rematch(c.id);
          sum.matched += r.matched;
          sum.unmatched += r.unmatched;
          sum.changed += r.changed;
        }
        return sum;
      },
    },
    events: {
      list: (query = {}) => {
        onlyOwn(query.tenant);
        return hub.events.list({ ...query, tenant: T });
      },
      // Hub-wide messages (start, stop, rule reloads, deleted tenants) carry no tenant: not delivered.
      subscribe: (listener) =>
        hub.events.subscribe((m) => {
          if (messageTenant(m) === T) listener(m);
        }),
    },
    get metrics(): Hub["metrics"] {
      // Metrics are labelled with every tenant's ids.
      throw forbidden("the metrics");
    },
    health: () => hub.health({ tenant: T }),
    close: async () => {
      throw forbidden("stopping the hub");
    },
  };
}
