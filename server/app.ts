// buildApp: the fastify application as a composition of plugins (fastify/demo style). Public scope:
// health, metrics (unless configured to need auth), the Graph webhook, the OAuth callback, login and the
// static UI shell. Everything else is registered inside one scope guarded by `authenticate` (who, and the
// hub scoped to them as `request.hub`) and `authorize` (routes are admins' unless registered through
// `forTenantAdmins`, whose routes reach data only through the scoped hub).
// Also owns what the access log may show of a request: query values that carry secrets are redacted.
import { join } from "node:path";
import fastifyStatic from "@fastify/static";
import fastifySwagger from "@fastify/swagger";
import fastifySwaggerUi from "@fastify/swagger-ui";
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyPluginAsync,
  type FastifyReply,
  type FastifyRequest,
  type RouteOptions,
} from "fastify";
import { type TeamsWebhookOptions, teamsWebhookRoutes } from "../connectors/teams/webhook.js";
import { tenantRoutes } from "./routes/tenants.js";
import { uiDir as defaultUiDir } from "../common/paths.js";
import type { RuleRegistry } from "../engine/rules/registry.js";
import { authPlugin } from "./auth/plugin.js";
import type { SessionBackend } from "./auth/sessions.js";
import type { Hub } from "./hub/types.js";
import { connectorModuleRoutes } from "./routes/connector-modules.js";
import { connectorTypesRoutes } from "./routes/connector-types.js";
import { connectorRoutes } from "./routes/connectors.js";
import { endpointRoutes } from "./routes/endpoints.js";
import { registerErrorHandling } from "./routes/errors.js";
import { registerRuleSetMetrics } from "./hub/rule-metrics.js";
import { eventRoutes } from "./routes/events.js";
import { healthRoutes } from "./routes/health.js";
import { infoRoutes } from "./routes/info.js";
import { createHttpMetrics, metricsRoutes } from "./routes/metrics.js";
import { ruleSetRoutes } from "./routes/rule-sets.js";
import { type SignInElsewhere, teamsCallbackRoute, teamsRoutes } from "./routes/teams.js";
import { userRoutes } from "./routes/users.js";

/** A plugin with its options, mounted by the app (rules plugins, the Teams webhook). */
export interface MountedPlugin {
  // biome-ignore lint/suspicious/noExplicitAny: plugins of other modules have their own option types.
  plugin: FastifyPluginAsync<any>;
  options?: Record<string, unknown>;
  /** Tenant admins may call its routes (they show no tenant data, or only through `request.hub`). */
  tenantAdmin?: boolean;
}

export interface BuildAppOptions {
  hub: Hub;
  /** The rule registry: mounts the connector-types API and the Info view (GET /info/:type). */
  registry?: RuleRegistry;
  /** Admin login: user name and scrypt hash (server/auth/credentials.ts). */
  admin: {
    user: string;
    passwordHash: string;
    /** Persists a rehashed password (older scrypt parameters); absent when the hash comes from the configuration. */
    updatePasswordHash?: (hash: string) => Promise<void>;
    /** What its sessions are bound to (server/auth/sessions.ts credentialOf); default from passwordHash. */
    credential?: string;
  };
  apiToken?: string;
  /** External base URL (OAuth redirect); a getter when it is known only after listen (port 0). */
  publicBaseUrl: string | (() => string);
  metricsAuth?: boolean;
  cookieSecure?: boolean;
  sessionTtlMinutes?: number;
  maxFailedLogins?: number;
  /** Login requests per address and minute, right or wrong (default 30; auth/plugin.ts). */
  loginRequestsPerMinute?: number;
  /** Authenticated plugins of other parts (connector types + Info view of the rule registry). */
  protectedPlugins?: MountedPlugin[];
  /** Unauthenticated plugins that check their callers themselves (the Graph change-notification webhook). */
  publicPlugins?: MountedPlugin[];
  logger?: FastifyBaseLogger;
  uiDir?: string;
  /** fastify trustProxy (X-Forwarded-For from these proxies decides request.ip). Default false. */
  trustProxy?: boolean | string[];
  /** Sees every route as it is registered (tests enumerate them to check each one's authorization). */
  onRoute?: (route: RouteOptions) => void;
  /** Where sessions are kept (the hub's store); default memory. */
  sessions?: SessionBackend;
  /** Several instances on one store (server/cluster): requests handed to the instance running their tenant. */
  cluster?: ClusterHttp;
}

/** What the HTTP layer needs from the coordination of several instances. */
export interface ClusterHttp {
  /** Before every authenticated route: answers the request by handing it on when its tenant runs elsewhere. */
  preHandler(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined>;
  /** Graph notifications for tenants that run elsewhere. */
  webhook: NonNullable<TeamsWebhookOptions["unrouted"]>;
  /** Sign-in callbacks for a sign-in started on another instance. */
  signIn: SignInElsewhere;
  /** Health: this instance, who runs what, the store; `ok: false` makes the health check fail. */
  health(): { ok: boolean; details: Record<string, unknown> };
}

/**
 * Registers `plugin` so that tenant admins may call its routes (`authorize` lets them through). Only for
 * routes that read tenant data through `request.hub` (scoped to the caller), or none at all (catalogues).
 */
// biome-ignore lint/suspicious/noExplicitAny: wraps plugins of any option type.
function forTenantAdmins<O extends Record<string, any>>(plugin: FastifyPluginAsync<O>): FastifyPluginAsync<O> {
  return async (app, opts) => {
    app.addHook("onRoute", (route) => {
      route.config = { ...(route.config ?? {}), tenantAdmin: true };
    });
    await app.register(plugin, opts);
  };
}

/**
 * Query parameters whose values must not reach a log line: the OAuth authorization code and state of the
 * sign-in callback (a code is redeemable until it expires; state is the callback's only check) and, in case
 * a client puts them in a URL, tokens and secrets.
 */
const SECRET_QUERY_PARAMS = new Set([
  "code",
  "state",
  "session_state",
  "id_token",
  "access_token",
  "refresh_token",
  "token",
  "client_secret",
  "password",
]);

/** The URL with the values of secret-bearing query parameters replaced by [redacted]. */
export function redactUrl(url: string): string {
  const q = url.indexOf("?");
  if (q < 0) return url;
  const query = url
    .slice(q + 1)
    .split("&")
    .map((pair) => {
      const eq = pair.indexOf("=");
      const rawName = eq < 0 ? pair : pair.slice(0, eq);
      let name = rawName;
      try {
        name = decodeURIComponent(rawName.replace(/\+/g, " "));
      } catch {
        // keep the raw name; a malformed escape is no reason to log the value
      }
      return SECRET_QUERY_PARAMS.has(name.toLowerCase()) ? `${rawName}=[redacted]` : pair;
    })
    .join("&");
  return `${url.slice(0, q)}?${query}`;
}

/** fastify's own `req` serializer (lib/logger-pino.js) with the URL redacted. */
function serializeRequest(request: FastifyRequest) {
  return {
    method: request.method,
    url: redactUrl(request.url),
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  };
}

const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
  "connect-src 'self'; frame-src 'self'; frame-ancestors 'self'; base-uri 'none'; form-action 'self'";

export async function buildApp(options: BuildAppOptions): Promise<FastifyInstance> {
  const publicBaseUrl =
    typeof options.publicBaseUrl === "function" ? options.publicBaseUrl : () => options.publicBaseUrl as string;
  // A child with our `req` serializer: fastify lets the logger instance's serializers win over its own.
  const logger = options.logger?.child({}, { serializers: { req: serializeRequest } });
  const app = Fastify({
    ...(logger ? { loggerInstance: logger } : { logger: false }),
    // Clear 400s: report every schema violation and never silently drop unknown properties.
    ajv: { customOptions: { removeAdditional: false, allErrors: true, coerceTypes: "array", useDefaults: true } },
    return503OnClosing: true,
    trustProxy: options.trustProxy ?? false,
  });
  if (options.onRoute) app.addHook("onRoute", options.onRoute);
  registerErrorHandling(app, { uiIndex: join(options.uiDir ?? defaultUiDir, "index.html") });
  // Rule-set reload metrics go into the hub's registry (served at /metrics). Registered here because this
  // is where the hub and the rule registry meet; it is a no-op when this hub already has them.
  if (options.registry) registerRuleSetMetrics(options.hub.metrics, options.registry);

  if (options.trustProxy === true) {
    app.log.warn(
      "PRESENCE_HUB_TRUST_PROXY=true believes X-Forwarded-For from every client: anyone who reaches the hub " +
        "directly can pick the address the login limit counts. List the proxy addresses/CIDRs instead " +
        "(e.g. PRESENCE_HUB_TRUST_PROXY=10.0.0.5); see docs/operations.md",
    );
  }

  const httpMetrics = createHttpMetrics();
  app.addHook("onResponse", async (request, reply) => {
    const route = request.routeOptions.url ?? "unmatched";
    httpMetrics.observe(request.method, route, reply.statusCode, reply.elapsedTime / 1000);
  });
  app.addHook("onSend", async (request, reply, payload) => {
    reply.header("x-content-type-options", "nosniff");
    reply.header("referrer-policy", "no-referrer");
    if (!request.url.startsWith("/info/")) reply.header("content-security-policy", CSP);
    if (request.url.startsWith("/api/")) reply.header("cache-control", "no-store");
    return payload;
  });

  await app.register(fastifySwagger, {
    openapi: {
      info: {
        title: "Presence Hub admin API",
        version: "1",
        description:
          "Session cookie (POST /api/auth/login) or `Authorization: Bearer $PRESENCE_HUB_API_TOKEN` (an admin). " +
          "Roles: `admin` may do everything; `tenant-admin` sees and manages one tenant — its connectors, " +
          "Microsoft 365 settings, endpoints, events and stream. For a tenant admin, lists are its tenant's, " +
          "another tenant's things answer 404 like unknown ones, and hub-wide operations (users, tenants " +
          "add/rename/delete, rule reloads, metrics) answer 403 FORBIDDEN. GET /api/auth/session tells the role.",
      },
      tags: [
        { name: "auth", description: "Login, logout, who am I, own password" },
        { name: "users", description: "Admin accounts and their roles (admins only)" },
        { name: "tenants", description: "Tenants (customers); a tenant admin sees its own only" },
      ],
      components: {
        securitySchemes: {
          bearer: { type: "http", scheme: "bearer" },
          session: { type: "apiKey", in: "cookie", name: "ph_session" },
        },
      },
      security: [{ bearer: [] }, { session: [] }],
    },
  });

  await app.register(authPlugin, {
    hub: options.hub,
    adminUser: options.admin.user,
    passwordHash: options.admin.passwordHash,
    updatePasswordHash: options.admin.updatePasswordHash,
    credential: options.admin.credential,
    apiToken: options.apiToken,
    cookieSecure: options.cookieSecure ?? publicBaseUrl().startsWith("https:"),
    sessionTtlMinutes: options.sessionTtlMinutes ?? 12 * 60,
    sessions: options.sessions,
    maxFailedLogins: options.maxFailedLogins,
    loginRequestsPerMinute: options.loginRequestsPerMinute,
  });

  // ---- public
  await app.register(healthRoutes, { hub: options.hub, cluster: options.cluster?.health });
  if (!options.metricsAuth)
    await app.register(metricsRoutes, { hub: () => options.hub, http: httpMetrics.registry });
  await app.register(teamsCallbackRoute, { hub: options.hub, elsewhere: options.cluster?.signIn });
  // Graph change notifications: public, each item goes to the one tenant's adapter owning its subscription
  // (which checks clientState again). The getter follows the adapters across Microsoft 365
  // re-configuration (a new adapter is created on save) and across tenants.
  await app.register(teamsWebhookRoutes, {
    handler: () => options.hub.webhookHandlers(),
    unrouted: options.cluster?.webhook,
  });
  for (const p of options.publicPlugins ?? []) await app.register(p.plugin, p.options ?? {});
  await app.register(fastifyStatic, {
    root: options.uiDir ?? defaultUiDir,
    prefix: "/",
    index: ["index.html"],
    wildcard: true,
    cacheControl: false,
    setHeaders: (res) => res.setHeader("cache-control", "no-cache"),
  });

  // ---- authenticated
  await app.register(async (scope) => {
    scope.addHook("onRequest", scope.authenticate);
    scope.addHook("onRequest", scope.authorize);
    // Several instances: a request about a tenant another instance runs is answered there.
    const cluster = options.cluster;
    if (cluster) scope.addHook("preHandler", (request, reply) => cluster.preHandler(request, reply));
    // Only JSON bodies: text/plain is a "simple" cross-site content type (CSRF), and we never need it.
    scope.removeContentTypeParser("text/plain");
    // Hub-wide: admins only (metrics are labelled with every tenant's ids).
    if (options.metricsAuth)
      await scope.register(metricsRoutes, { hub: (request) => request.hub, http: httpMetrics.registry });
    await scope.register(userRoutes);
    // Tenant admins too: their data come from request.hub, scoped to their tenant.
    await scope.register(forTenantAdmins(tenantRoutes));
    await scope.register(forTenantAdmins(connectorRoutes));
    await scope.register(forTenantAdmins(teamsRoutes), { publicBaseUrl });
    await scope.register(forTenantAdmins(endpointRoutes));
    await scope.register(forTenantAdmins(eventRoutes));
    // Read-only catalogues, the same for everyone.
    await scope.register(forTenantAdmins(connectorModuleRoutes));
    if (options.registry) {
      await scope.register(forTenantAdmins(connectorTypesRoutes), { registry: options.registry });
      await scope.register(forTenantAdmins(infoRoutes), { registry: options.registry });
      // Reloading rule sets changes every tenant's behaviour: admins only.
      await scope.register(ruleSetRoutes, { registry: options.registry });
    }
    for (const p of options.protectedPlugins ?? [])
      await scope.register(p.tenantAdmin ? forTenantAdmins(p.plugin) : p.plugin, p.options ?? {});
    await scope.register(
      forTenantAdmins(async (docs) => {
        docs.get("/api/openapi.json", { schema: { hide: true } }, async () => app.swagger());
        // The OpenAPI document as a browsable page for signed-in admins (assets served from the package, no CDN).
        await docs.register(fastifySwaggerUi, {
          routePrefix: "/api/docs",
          uiConfig: { docExpansion: "list", deepLinking: true, tryItOutEnabled: false },
          theme: { title: "Presence Hub · admin API" },
          staticCSP: false,
        });
      }),
    );
  });

  return app;
}


/** Where the UI lives relative to the package (exported for the CLI banner and tests). */
export const uiIndex = join(defaultUiDir, "index.html");
