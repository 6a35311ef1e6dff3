// The /api/auth routes: login (the configured admin or a stored, enabled account), logout, "who am I", and
// the own password change of a stored account. Password checks of both share the failed-login limiter:
// an attempt is counted before scrypt runs and forgiven only by a correct password.
import { normalizeIP } from "@fastify/rate-limit";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { HubError } from "../../common/errors.js";
import { safeEqual } from "../../common/safe-equal.js";
import { PasswordChangeInput } from "../hub/schemas.js";
import { errorSchema, inline } from "../routes/schemas.js";
import type { FailedLoginLimiter, LoginAttempt } from "./limiter.js";
import { verifyPassword } from "./password.js";
import { type Principal, SESSION_COOKIE, type Session, type SessionStore } from "./sessions.js";
import type { AuthIdentity, AuthOptions, ConfiguredAdminHash } from "./types.js";

const tags = ["auth"];

const loginSchema = {
  body: {
    type: "object",
    additionalProperties: false,
    required: ["username", "password"],
    properties: {
      username: { type: "string", minLength: 1, maxLength: 200 },
      password: { type: "string", minLength: 1, maxLength: 1000 },
    },
  },
} as const;

export const identitySchema = {
  type: "object",
  required: ["user", "via", "role", "tenant"],
  properties: {
    user: { type: "string", description: "The user name (\"api-token\" for the API token)" },
    via: { type: "string", enum: ["session", "token"] },
    role: {
      type: "string",
      enum: ["admin", "tenant-admin"],
      description: "admin: everything; tenant-admin: only `tenant` (its connectors, Microsoft 365, endpoints, events)",
    },
    tenant: { type: ["string", "null"], description: "The tenant of a tenant admin; null for admins" },
    userId: { type: "string", description: "The stored account (absent for the configured admin and the API token)" },
  },
} as const;

export interface AuthRouteDeps {
  opts: AuthOptions;
  sessions: SessionStore;
  limiter: FailedLoginLimiter;
  adminHash: ConfiguredAdminHash;
  /** What the configured admin's sessions are bound to. */
  credential: string;
  sessionOf: (request: FastifyRequest) => Promise<Session | undefined>;
}

/** Admit a password check for the caller's address, or throw THROTTLED (with Retry-After). */
function admit(limiter: FailedLoginLimiter, request: FastifyRequest, reply: FastifyReply): LoginAttempt {
  // IPv6 clients get a /64 each; counting single addresses would let them hop through their prefix.
  const admission = limiter.begin(normalizeIP(request.ip, 64));
  if ("retryAfterSeconds" in admission) {
    const wait = admission.retryAfterSeconds;
    reply.header("retry-after", String(wait));
    const what = admission.reason === "failures" ? "too many failed logins" : "a login from this address is in progress";
    throw new HubError("THROTTLED", `${what}; try again in ${wait} s`, {
      details: { retryAfterSeconds: wait, reason: admission.reason },
    });
  }
  return admission.attempt;
}

function identityOf(p: Principal): AuthIdentity {
  return { user: p.username, via: "session", role: p.role, tenant: p.tenant, ...(p.userId ? { userId: p.userId } : {}) };
}

export async function authRoutes(app: FastifyInstance, d: AuthRouteDeps): Promise<void> {
  const { opts, sessions, limiter, adminHash } = d;

  /** The account for these credentials: one scrypt run whichever name was given. */
  async function check(username: string, password: string): Promise<Principal | undefined> {
    if (safeEqual(username, opts.adminUser)) {
      if (!(await verifyPassword(password, adminHash.current()))) return undefined;
      return { username: opts.adminUser, role: "admin", tenant: null };
    }
    const u = await opts.hub.users.authenticate(username, password);
    return u ? { username: u.username, role: u.role, tenant: u.tenant, userId: u.id } : undefined;
  }

  app.post(
    "/api/auth/login",
    {
      schema: {
        tags,
        summary: "Log in (the configured admin or a stored admin account); sets the session cookie",
        ...loginSchema,
        response: { 200: identitySchema },
      },
      config: { rateLimit: { max: opts.loginRequestsPerMinute ?? 30, timeWindow: 60_000 } },
    },
    async (request, reply) => {
      const attempt = admit(limiter, request, reply);
      const { username, password } = request.body as { username: string; password: string };
      let principal: Principal | undefined;
      try {
        principal = await check(username, password);
      } finally {
        if (principal) limiter.succeed(attempt);
        else limiter.fail(attempt);
      }
      if (!principal) {
        request.log.warn({ ip: request.ip }, "failed admin login");
        throw new HubError("UNAUTHORIZED", "wrong user name or password");
      }
      if (!principal.userId) {
        await adminHash.rehash(password);
        principal = { ...principal, credential: d.credential };
      }
      const session = await sessions.create(principal);
      reply.setCookie(SESSION_COOKIE, session.id, {
        path: "/",
        httpOnly: true,
        sameSite: "strict",
        secure: opts.cookieSecure,
        maxAge: opts.sessionTtlMinutes * 60,
      });
      request.log.info({ user: principal.username, role: principal.role, tenant: principal.tenant }, "admin logged in");
      return identityOf(principal);
    },
  );

  app.post(
    "/api/auth/logout",
    { schema: { tags, summary: "End the session", response: { 204: { type: "null" } } } },
    async (request, reply) => {
      const s = await d.sessionOf(request);
      if (s) await sessions.delete(s.id);
      reply.clearCookie(SESSION_COOKIE, { path: "/" });
      reply.code(204);
    },
  );

  app.get(
    "/api/auth/session",
    {
      schema: {
        tags,
        summary: "Who am I: user name, role and tenant (401 when not logged in)",
        response: { 200: identitySchema },
      },
      onRequest: app.authenticate,
    },
    async (request) => request.identity,
  );

  app.post<{ Body: PasswordChangeInput }>(
    "/api/auth/password",
    {
      schema: {
        tags,
        summary: "Change the own password (stored accounts; needs the current password)",
        description:
          "Other sessions of the account end; this one stays. 401 for a wrong current password (counted like a " +
          "failed login), 409 for the configured admin (its password comes from the configuration) and the API token.",
        body: inline(PasswordChangeInput),
        response: { 204: { type: "null" }, 400: errorSchema, 401: errorSchema, 409: errorSchema, 429: errorSchema },
      },
      onRequest: app.authenticate,
    },
    async (request, reply) => {
      const identity = request.identity as AuthIdentity;
      if (!identity.userId) {
        throw new HubError(
          "CONFLICT",
          identity.via === "token"
            ? "the API token has no password (it is PRESENCE_HUB_API_TOKEN)"
            : "the configured admin's password comes from the hub's configuration " +
                "(PRESENCE_HUB_ADMIN_PASSWORD or PRESENCE_HUB_ADMIN_PASSWORD_HASH); change it there",
        );
      }
      const attempt = admit(limiter, request, reply);
      let ok = false;
      try {
        await request.hub.users.changePassword(identity.userId, request.body.currentPassword, request.body.newPassword);
        ok = true;
      } finally {
        if (ok) limiter.succeed(attempt);
        else limiter.fail(attempt);
      }
      // Whoever else holds a session of this account (a stolen cookie) is out now.
      await app.endSessionsOf(identity.userId, (await d.sessionOf(request))?.id);
      request.log.info({ user: identity.user }, "admin changed its password");
      reply.code(204);
    },
  );
}
