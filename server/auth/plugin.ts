// Authentication for the admin API and UI: an admin session (signed HttpOnly SameSite=Strict cookie) from
// POST /api/auth/login, or a bearer token provisioned through PRESENCE_HUB_API_TOKEN for automation.
// Cookie-authenticated writes must be JSON (or carry X-Requested-With), which a cross-site form cannot send
// without a CORS preflight; together with SameSite=Strict that is the CSRF defence.
// Login throttling has two layers: a coarse per-address request limit (@fastify/rate-limit, before the body
// is even parsed) and the failed-login limiter (limiter.ts), which counts an attempt before scrypt runs.
import { randomBytes } from "node:crypto";
import fastifyCookie from "@fastify/cookie";
import fastifyRateLimit, { normalizeIP } from "@fastify/rate-limit";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { HubError } from "../../common/errors.js";
import { FailedLoginLimiter } from "./limiter.js";
import { safeEqual } from "../../common/safe-equal.js";
import { describeHashParams, hashPassword, needsRehash, SCRYPT_PARAMS, verifyPassword } from "./password.js";
import { SnapshotRateLimitStore } from "./request-limit-store.js";
import { SessionStore } from "./sessions.js";

export const SESSION_COOKIE = "ph_session";

export interface AuthIdentity {
  user: string;
  via: "session" | "token";
}

declare module "fastify" {
  interface FastifyRequest {
    identity?: AuthIdentity;
  }
  interface FastifyInstance {
    /** onRequest hook: 401 unless the request carries a valid session cookie or bearer token. */
    authenticate: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  }
}

export interface AuthOptions {
  adminUser: string;
  passwordHash: string;
  /**
   * Stores a new hash where the current one came from (the data directory). When set, a hash with older
   * scrypt parameters is replaced after the next correct login; when absent, the hash is kept and logged once.
   */
  updatePasswordHash?: (hash: string) => Promise<void>;
  apiToken?: string;
  cookieSecure: boolean;
  sessionTtlMinutes: number;
  /** Failed logins allowed per address and window (default 5 per 15 minutes). */
  maxFailedLogins?: number;
  failedLoginWindowMs?: number;
  /** Login requests (right or wrong) per address and minute, before any password check (default 30). */
  loginRequestsPerMinute?: number;
}

const UNSAFE = new Set(["POST", "PUT", "PATCH", "DELETE"]);

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

const identitySchema = {
  type: "object",
  properties: { user: { type: "string" }, via: { type: "string", enum: ["session", "token"] } },
} as const;

export async function authPlugin(app: FastifyInstance, opts: AuthOptions): Promise<void> {
  // Cookies are signed with a per-process key: sessions live in memory and end with the process anyway.
  await app.register(fastifyCookie, { secret: randomBytes(32).toString("hex") });
  const sessions = new SessionStore(opts.sessionTtlMinutes * 60_000);
  const limiter = new FailedLoginLimiter(opts.maxFailedLogins, opts.failedLoginWindowMs);
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
  /** After a correct login: replace a hash with older parameters (once, also with parallel logins). */
  const rehash = (password: string): Promise<void> => {
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

  function identify(request: FastifyRequest): AuthIdentity | undefined {
    const header = request.headers.authorization;
    if (header) {
      const m = /^Bearer\s+(\S+)$/i.exec(header);
      if (m && opts.apiToken && safeEqual(m[1], opts.apiToken)) return { user: "api-token", via: "token" };
      return undefined;
    }
    const raw = request.cookies[SESSION_COOKIE];
    if (!raw) return undefined;
    const unsigned = request.unsignCookie(raw);
    if (!unsigned.valid || !unsigned.value) return undefined;
    const s = sessions.get(unsigned.value);
    return s ? { user: s.user, via: "session" } : undefined;
  }

  app.decorate("authenticate", async (request: FastifyRequest, _reply: FastifyReply) => {
    const identity = identify(request);
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
  });

  app.post(
    "/api/auth/login",
    {
      schema: {
        tags: ["auth"],
        summary: "Log in as the admin; sets the session cookie",
        ...loginSchema,
        response: { 200: identitySchema },
      },
      config: { rateLimit: { max: opts.loginRequestsPerMinute ?? 30, timeWindow: 60_000 } },
    },
    async (request, reply) => {
      const ip = request.ip;
      // IPv6 clients get a /64 each; counting single addresses would let them hop through their prefix.
      const admission = limiter.begin(normalizeIP(ip, 64));
      if ("retryAfterSeconds" in admission) {
        const wait = admission.retryAfterSeconds;
        reply.header("retry-after", String(wait));
        const what = admission.reason === "failures" ? "too many failed logins" : "a login from this address is in progress";
        throw new HubError("THROTTLED", `${what}; try again in ${wait} s`, {
          details: { retryAfterSeconds: wait, reason: admission.reason },
        });
      }
      const { username, password } = request.body as { username: string; password: string };
      let ok = false;
      try {
        // Always run scrypt so a wrong user name takes as long as a wrong password.
        const passwordOk = await verifyPassword(password, passwordHash);
        ok = passwordOk && safeEqual(username, opts.adminUser);
      } finally {
        if (ok) limiter.succeed(admission.attempt);
        else limiter.fail(admission.attempt);
      }
      if (!ok) {
        request.log.warn({ ip }, "failed admin login");
        throw new HubError("UNAUTHORIZED", "wrong user name or password");
      }
      await rehash(password);
      const session = sessions.create(opts.adminUser);
      reply.setCookie(SESSION_COOKIE, session.id, {
        path: "/",
        httpOnly: true,
        sameSite: "strict",
        secure: opts.cookieSecure,
        signed: true,
        maxAge: opts.sessionTtlMinutes * 60,
      });
      request.log.info({ user: opts.adminUser }, "admin logged in");
      return { user: opts.adminUser, via: "session" };
    },
  );

  app.post(
    "/api/auth/logout",
    { schema: { tags: ["auth"], summary: "End the session", response: { 204: { type: "null" } } } },
    async (request, reply) => {
      const raw = request.cookies[SESSION_COOKIE];
      if (raw) {
        const unsigned = request.unsignCookie(raw);
        if (unsigned.valid && unsigned.value) sessions.delete(unsigned.value);
      }
      reply.clearCookie(SESSION_COOKIE, { path: "/" });
      reply.code(204);
    },
  );

  app.get(
    "/api/auth/session",
    {
      schema: { tags: ["auth"], summary: "Who am I (401 when not logged in)", response: { 200: identitySchema } },
      onRequest: app.authenticate,
    },
    async (request) => request.identity,
  );
}

// Run in the parent scope so `authenticate` and the cookie parser are visible to sibling plugins.
(authPlugin as unknown as Record<symbol, boolean>)[Symbol.for("skip-override")] = true;
