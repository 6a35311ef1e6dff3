// Authentication for the admin API and UI: a session (HttpOnly SameSite=Strict cookie holding a random id; the store keeps its hash) from
// POST /api/auth/login — the configured admin or a stored account (hub.users) — or a bearer token
// provisioned through PRESENCE_HUB_API_TOKEN for automation (acts as an admin).
// Cookie-authenticated writes must be JSON (or carry X-Requested-With), which a cross-site form cannot send
// without a CORS preflight; together with SameSite=Strict that is the CSRF defence.
// Every authenticated request gets `request.identity` and `request.hub`, the hub scoped to that identity
// (hub/scoped-hub.ts): routes use only that one, so tenant scoping is enforced in one place. A session of a
// stored account is checked against the store on every request (one read): disabled, deleted, or given
// another role or tenant, and the session ends.
// Login throttling has two layers: a coarse per-address request limit (@fastify/rate-limit, before the body
// is even parsed) and the failed-login limiter (limiter.ts), which counts an attempt before scrypt runs.
import fastifyCookie from "@fastify/cookie";
import fastifyRateLimit from "@fastify/rate-limit";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { HubError, isHubError } from "../../common/errors.js";
import { safeEqual } from "../../common/safe-equal.js";
import { BUILTIN_ADMIN_ID, scopeHub } from "../hub/scoped-hub.js";
import type { Hub, UserView } from "../hub/types.js";
import { authRoutes } from "./auth-routes.js";
import { FailedLoginLimiter } from "./limiter.js";
import { describeHashParams, hashPassword, needsRehash, SCRYPT_PARAMS } from "./password.js";
import { SnapshotRateLimitStore } from "./request-limit-store.js";
import { credentialOf, MemorySessionBackend, SESSION_COOKIE, type Session, SessionStore } from "./sessions.js";
import type { AuthIdentity, AuthOptions, ConfiguredAdminHash } from "./types.js";

export { SESSION_COOKIE } from "./sessions.js";
export type { AuthIdentity, AuthOptions } from "./types.js";

declare module "fastify" {
  interface FastifyRequest {
    identity?: AuthIdentity;
    /**
     * The hub as this request's identity may use it (set by `authenticate`). Only routes behind
     * `authenticate` may use it; anywhere else it is null and fails closed.
     */
    hub: Hub;
  }
  interface FastifyInstance {
    /** onRequest hook: 401 unless the request carries a valid session cookie or bearer token. */
    authenticate: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
    /** onRequest hook after `authenticate`: 403 for a tenant admin unless the route is open to tenant admins. */
    authorize: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
    /** Ends the sessions of a stored account (its password was reset), except `keep`. */
    endSessionsOf: (userId: string, keep?: string) => Promise<void>;
  }
  interface FastifyContextConfig {
    /** Tenant admins may call this route: its data come from `request.hub`, which is scoped to their tenant. */
    tenantAdmin?: boolean;
  }
}

const UNSAFE = new Set(["POST", "PUT", "PATCH", "DELETE"]);

function configuredAdminHash(app: FastifyInstance, opts: AuthOptions): ConfiguredAdminHash {
  let passwordHash = opts.passwordHash;
  const current = `N=${SCRYPT_PARAMS.N}, r=${SCRYPT_PARAMS.r}, p=${SCRYPT_PARAMS.p}`;
  if (!opts.updatePasswordHash && needsRehash(passwordHash)) {
    app.log.warn(
      `the configured admin password hash uses older scrypt parameters (${describeHashParams(passwordHash)}; ` +
        `current ${current}) and the hub cannot rewrite it: create a new one with ` +
        "`presence-hub start --hash-password` and set PRESENCE_HUB_ADMIN_PASSWORD_HASH",
    );
  }
  let rehashing: Promise<void> | undefined;
  return {
    current: () => passwordHash,
    rehash(password) {
      const update = opts.updatePasswordHash;
      if (!update || !needsRehash(passwordHash)) return Promise.resolve();
      rehashing ??= (async () => {
        const before = describeHashParams(passwordHash);
        try {
          const next = await hashPassword(password);
          await update(next);
          passwordHash = next;
          app.log.info(`admin password hash upgraded from scrypt ${before} to ${current}`);
        } catch (e) {
          // The login itself succeeded; the old hash keeps working and the next login tries again.
          app.log.warn({ err: (e as Error).message }, "could not store the upgraded admin password hash");
        } finally {
          rehashing = undefined;
        }
      })();
      return rehashing;
    },
  };
}

export async function authPlugin(app: FastifyInstance, opts: AuthOptions): Promise<void> {
  // The session cookie is the session's random id (256 bits; the store keeps only its hash): not signed, so
  // it stays valid across restarts and instances without a shared signing key.
  await app.register(fastifyCookie);
  const sessions = new SessionStore(opts.sessions ?? new MemorySessionBackend(), opts.sessionTtlMinutes * 60_000);
  const limiter = new FailedLoginLimiter(opts.maxFailedLogins, opts.failedLoginWindowMs);
  const adminHash = configuredAdminHash(app, opts);
  const credential = opts.credential ?? credentialOf(opts.passwordHash);
  const builtinAdmin: UserView = {
    id: BUILTIN_ADMIN_ID,
    username: opts.adminUser,
    role: "admin",
    tenant: null,
    disabled: false,
    builtIn: true,
    createdAt: null,
    updatedAt: null,
  };
  // Only routes that opt in (config.rateLimit) are limited; the rest of the API sits behind authentication.
  await app.register(fastifyRateLimit, {
    global: false,
    store: SnapshotRateLimitStore,
    errorResponseBuilder: (_request, ctx) =>
      new HubError("THROTTLED", `too many login requests; try again in ${Math.max(1, Math.ceil(ctx.ttl / 1000))} s`, {
        details: { retryAfterSeconds: Math.max(1, Math.ceil(ctx.ttl / 1000)) },
      }),
  });

  /**
   * Whether the session's stored account still is what the session says (one store read); when it was
   * disabled, deleted or given another role or tenant, the session ends here.
   */
  async function stillValid(request: FastifyRequest, s: Session): Promise<boolean> {
    if (!s.userId) {
      // The configured admin: valid while the configuration holds the password it logged in with.
      if (s.credential === credential) return true;
      await sessions.delete(s.id);
      request.log.info({ user: s.username }, "session ended: the configured admin password changed");
      return false;
    }
    let account: UserView | undefined;
    try {
      account = opts.hub.users.get(s.userId);
    } catch (e) {
      if (!isHubError(e, "NOT_FOUND")) throw e; // a store failure is a 500, never a pass
    }
    if (account && !account.disabled && account.role === s.role && account.tenant === s.tenant) return true;
    await sessions.delete(s.id);
    request.log.info({ user: s.username }, "session ended: the account was disabled, deleted or changed");
    return false;
  }

  async function identify(request: FastifyRequest): Promise<AuthIdentity | undefined> {
    const header = request.headers.authorization;
    if (header) {
      const m = /^Bearer\s+(\S+)$/i.exec(header);
      if (m && opts.apiToken && safeEqual(m[1], opts.apiToken))
        return { user: "api-token", via: "token", role: "admin", tenant: null };
      return undefined;
    }
    const s = await sessionOf(request);
    if (!s || !(await stillValid(request, s))) return undefined;
    return {
      user: s.username,
      via: "session",
      role: s.role,
      tenant: s.tenant,
      ...(s.userId ? { userId: s.userId } : {}),
    };
  }

  async function sessionOf(request: FastifyRequest): Promise<Session | undefined> {
    const id = request.cookies[SESSION_COOKIE];
    // A well-formed id only (43 base64url characters): anything else is not looked up.
    if (!id || !/^[A-Za-z0-9_-]{43}$/.test(id)) return undefined;
    return sessions.get(id);
  }

  app.decorateRequest("identity", undefined);
  app.decorateRequest("hub", null as unknown as Hub);

  app.decorate("authenticate", async (request: FastifyRequest, _reply: FastifyReply) => {
    const identity = await identify(request);
    if (!identity) throw new HubError("UNAUTHORIZED", "authentication required: log in or send Authorization: Bearer <token>");
    if (identity.via === "session" && UNSAFE.has(request.method)) {
      const type = String(request.headers["content-type"] ?? "").toLowerCase();
      const json = type.startsWith("application/json");
      if (!json && !request.headers["x-requested-with"]) {
        throw new HubError("VALIDATION", "state-changing requests must be sent as application/json", {
          details: { reason: "csrf" },
        });
      }
    }
    request.identity = identity;
    request.hub = scopeHub(opts.hub, identity, { builtinAdmin });
  });

  app.decorate("authorize", async (request: FastifyRequest, _reply: FastifyReply) => {
    const identity = request.identity;
    if (!identity) throw new HubError("UNAUTHORIZED", "authentication required");
    // Fail closed: a route is an admin's unless it says tenant admins may call it.
    if (identity.role !== "admin" && request.routeOptions.config?.tenantAdmin !== true)
      throw new HubError("FORBIDDEN", "this needs an admin account; a tenant admin manages its own tenant only");
  });

  app.decorate("endSessionsOf", async (userId: string, keep?: string) => {
    await sessions.deleteForUser(userId, keep);
  });

  await authRoutes(app, { opts, sessions, limiter, adminHash, credential, sessionOf });
}

// Run in the parent scope so `authenticate` and the cookie parser are visible to sibling plugins.
(authPlugin as unknown as Record<symbol, boolean>)[Symbol.for("skip-override")] = true;
