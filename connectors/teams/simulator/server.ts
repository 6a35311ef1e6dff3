// Graph simulator process: one fastify server playing the identity platform, Microsoft Graph (users,
// presence, subscriptions; routes in graph-routes.ts) and the notification sender, on 127.0.0.1 over HTTPS
// with its own CA (or plain HTTP), with fault injection and a control API (programmatic and HTTP under
// /_emulator/*, §8.6).
import { randomUUID } from "node:crypto";
import Fastify, { type FastifyInstance, type FastifyRequest } from "fastify";
import { SimAuth, type SimClient, type SimServiceAccount, type ValidationTokenOverrides } from "./auth.js";
import { type DeliveryRecord, Deliveries } from "./deliveries.js";
import { type FaultRule, Faults } from "./faults.js";
import { registerGraphRoutes, userJson } from "./graph-routes.js";
import { type PresenceJson, type SimPair, SimState, type SimUser, type SimUserSeed, VirtualClock } from "./state.js";
import { SimSubscriptions, type SimSubscription } from "./subscriptions.js";
import { generateSimulatorTls } from "./tls.js";

export interface GraphSimulatorOptions {
  port?: number;
  host?: string;
  /** Serve plain HTTP instead of HTTPS (msal still works: the connector maps its https authority back). */
  http?: boolean;
  tenantId?: string;
  /** App registrations; default one client "sim-client" / "sim-secret" with Presence.ReadWrite.All + User.Read.All. */
  clients?: SimClient[];
  users?: SimUserSeed[];
  /** Users the authorize endpoint signs in (auto-consent). Default one: presence-svc1@<domain>. */
  serviceAccounts?: SimServiceAccount[];
  /** Max items per notification POST. Default 100. */
  batchSize?: number;
  /** Answer time counted as delivered. Default 3000 ms. */
  ackTimeoutMs?: number;
  validationTimeoutMs?: number;
  /** First retry delay for failed deliveries. Default 1000 ms. */
  retryBaseMs?: number;
  /** Give up on a delivery after this long (Graph: 4 h). */
  retryWindowMs?: number;
  /** Encode spaces of validation tokens as '+', like some proxies. */
  plusForSpace?: boolean;
  validationTokensNull?: boolean;
  /** Presence without `sequenceNumber` (reads and notifications): order then rests on arrival alone. */
  withoutSequenceNumbers?: boolean;
  /** Max /users page size ($top is capped to it). Default 999. */
  maxPageSize?: number;
  /** Status of a second presence subscription by the same app+user. Default 403. */
  secondSubscriptionStatus?: 403 | 409;
  maxIdsPerSubscription?: number;
  maxSubscriptionLifetimeMs?: number;
  /** setPresence sessionId must equal the caller's app id. Default true. */
  strictSessionId?: boolean;
  /** Accept http:// notification URLs on loopback. Default true (real Graph requires https). */
  allowHttpLoopback?: boolean;
  tokenLifetimeSec?: number;
  /** Trust this CA for https notification URLs. */
  notificationCaPem?: string;
  /**
   * Enable Graph's slow/drop endpoint throttling. Defaults when `true`: 10-min window, 10-min penalty, drop
   * threshold 10 s, at least 10 samples; pass an object to scale them down for tests.
   */
  endpointThrottling?:
    | boolean
    | { windowMs?: number; penaltyMs?: number; dropAfterMs?: number; minSamples?: number };
}

export interface RequestRecord {
  at: string;
  method: string;
  path: string;
  status: number;
  ms: number;
  auth?: "app" | "user";
}

export interface GraphSimulator {
  /** Base URL, e.g. https://127.0.0.1:41234; both the authority and the Graph base URL. */
  readonly url: string;
  readonly port: number;
  /** PEM of the simulator's CA (undefined in plain HTTP mode). */
  readonly caPem?: string;
  readonly tenantId: string;
  /** The first configured app registration. */
  readonly clientId: string;
  readonly clientSecret: string;
  readonly serviceAccounts: Array<{ id: string; upn: string }>;
  addUsers(users: SimUserSeed[]): string[];
  addServiceAccount(account: SimServiceAccount): { id: string; upn: string };
  /** The user's own Teams client session; null = signed out. */
  setClientPresence(userId: string, pair: SimPair | null): void;
  setOutOfOffice(userId: string, outOfOffice: boolean, message?: string | null): void;
  setInMeeting(userId: string, inMeeting: boolean): void;
  /** The user picking a status by hand; null clears it. */
  setPreferredPresence(userId: string, pair: SimPair | null, expirationMs?: number): void;
  presence(userId: string): PresenceJson | undefined;
  users(): SimUser[];
  subscriptions(): Array<Record<string, unknown>>;
  lifecycle(
    subscriptionId: string,
    event: "reauthorizationRequired" | "subscriptionRemoved" | "missed",
  ): Promise<boolean>;
  loseSubscription(subscriptionId: string): boolean;
  addFault(rule: FaultRule): number;
  clearFaults(): void;
  setPresenceRateLimit(per30s: number | undefined): void;
  advanceClock(ms: number): void;
  expireTokens(): void;
  /** Revoke a service account's refresh tokens (forces a new sign-in). */
  revokeServiceAccount(userId: string): void;
  /**
   * A validationTokens JWT signed with the simulator's key, for the first app unless `appId` says
   * otherwise; `overrides` make it wrong in one claim (another audience, caller, tenant or issuer).
   */
  mintValidationToken(overrides?: ValidationTokenOverrides, appId?: string): Promise<string>;
  /** Refresh tokens issued so far (tests assert they never leak into logs or the UI). */
  issuedRefreshTokens(): string[];
  requests(): RequestRecord[];
  deliveries(): DeliveryRecord[];
  clearLogs(): void;
  reset(): void;
  close(): Promise<void>;
}

const DEFAULT_TENANT = "7f1d4c2a-5b3e-4f60-9a8b-0c1d2e3f4a5b";

export async function startGraphSimulator(options: GraphSimulatorOptions = {}): Promise<GraphSimulator> {
  const tls = options.http ? undefined : await generateSimulatorTls();
  const host = options.host ?? "127.0.0.1";
  const tenantId = options.tenantId ?? DEFAULT_TENANT;
  const clock = new VirtualClock();
  let baseUrl = "";
  const auth = new SimAuth(clock, tenantId, () => baseUrl);
  await auth.init();
  if (options.tokenLifetimeSec) auth.tokenLifetimeSec = options.tokenLifetimeSec;
  const clients = options.clients?.length
    ? options.clients
    : [{ clientId: "sim-client", clientSecret: "sim-secret" }];
  for (const c of clients) auth.addClient(c);
  const accounts = options.serviceAccounts ?? [{ upn: "presence-svc1@contoso.example" }];
  for (const a of accounts) auth.addServiceAccount(a);

  const deliveries = new Deliveries(
    {
      ackTimeoutMs: options.ackTimeoutMs ?? 3000,
      validationTimeoutMs: options.validationTimeoutMs ?? 10_000,
      retryBaseMs: options.retryBaseMs ?? 1000,
      retryWindowMs: options.retryWindowMs ?? 4 * 3600_000,
      batchSize: options.batchSize ?? 100,
      plusForSpace: options.plusForSpace ?? false,
      validationTokensNull: options.validationTokensNull ?? false,
      caPem: options.notificationCaPem,
      endpointThrottling: options.endpointThrottling
        ? {
            windowMs: 600_000,
            penaltyMs: 600_000,
            dropAfterMs: 10_000,
            minSamples: 10,
            ...(typeof options.endpointThrottling === "object" ? options.endpointThrottling : {}),
          }
        : undefined,
    },
    auth,
  );
  const subs = new SimSubscriptions(
    () => clock.now(),
    {
      maxIds: options.maxIdsPerSubscription ?? 650,
      maxLifetimeMs: options.maxSubscriptionLifetimeMs ?? 60 * 60_000,
      secondSubscriptionStatus: options.secondSubscriptionStatus ?? 403,
      allowHttpLoopback: options.allowHttpLoopback ?? true,
    },
    deliveries,
  );
  const state = new SimState(
    clock,
    (u) => subs.notify(u.id, { ...state.presenceJson(u) }),
    options.withoutSequenceNumbers ?? false,
  );
  for (const u of options.users ?? []) state.addUser(u);
  const faults = new Faults();
  let requestLog: RequestRecord[] = [];
  const strictSessionId = options.strictSessionId ?? true;
  const maxPageSize = options.maxPageSize ?? 999;

  const app: FastifyInstance = Fastify({
    logger: false,
    bodyLimit: 10 * 1024 * 1024,
    ...(tls ? { https: { key: tls.keyPem, cert: tls.certPem } } : {}),
  } as Record<string, unknown>) as unknown as FastifyInstance;

  app.addContentTypeParser("application/x-www-form-urlencoded", { parseAs: "string" }, (_req, body, done) => {
    done(null, new URLSearchParams(String(body)));
  });

  const started = new WeakMap<FastifyRequest, number>();
  /** Requests whose answer a fault holds back (delayResponseMs). */
  const answerDelays = new WeakMap<FastifyRequest, number>();
  app.addHook("onRequest", async (req, reply) => {
    started.set(req, Date.now());
    const rid = (req.headers["client-request-id"] as string | undefined) ?? randomUUID();
    reply.header("request-id", rid).header("client-request-id", rid);
    const path = req.url.split("?")[0] ?? "";
    if (path.startsWith("/_emulator")) return;
    const d = faults.decide(req.method, path);
    if (!d) return;
    if (d.delayResponseMs) answerDelays.set(req, d.delayResponseMs);
    if (d.delayMs) await new Promise((r) => setTimeout(r, d.delayMs));
    if (d.drop) {
      req.raw.socket.destroy();
      return reply.hijack();
    }
    if (d.reply)
      return reply.code(d.reply.status).headers(d.reply.headers).type("application/json").send(d.reply.body);
  });
  app.addHook("onSend", async (req, _reply, payload) => {
    const ms = answerDelays.get(req);
    if (ms) await new Promise((r) => setTimeout(r, ms));
    return payload;
  });
  app.addHook("onResponse", async (req, reply) => {
    const path = req.url.split("?")[0] ?? "";
    if (path.startsWith("/_emulator")) return;
    const bearer = (req.headers.authorization ?? "").replace(/^Bearer /i, "");
    requestLog.push({
      at: new Date().toISOString(),
      method: req.method,
      path: req.url,
      status: reply.statusCode,
      ms: Date.now() - (started.get(req) ?? Date.now()),
      auth: bearer ? auth.lookup(bearer)?.kind : undefined,
    });
    if (requestLog.length > 50_000) requestLog = requestLog.slice(-40_000);
  });

  // ------------------------------------------------------------ identity platform
  app.post<{ Params: { tenant: string } }>("/:tenant/oauth2/v2.0/token", async (req, reply) => {
    const form = req.body instanceof URLSearchParams ? req.body : new URLSearchParams();
    const r = await auth.token(req.params.tenant, form);
    return reply.code(r.status).header("cache-control", "no-store").type("application/json").send(r.body);
  });
  app.get<{ Params: { tenant: string } }>("/:tenant/oauth2/v2.0/authorize", async (req, reply) => {
    const q = new URLSearchParams(req.url.split("?")[1] ?? "");
    const r = auth.authorize(q);
    if (r.location) return reply.redirect(r.location, 302);
    return reply.code(r.status).type("text/plain").send(r.error);
  });
  app.get<{ Params: { tenant: string } }>("/:tenant/v2.0/.well-known/openid-configuration", async (req) =>
    auth.openidConfiguration(req.params.tenant),
  );
  app.get<{ Params: { tenant: string } }>("/:tenant/.well-known/openid-configuration", async (req) =>
    auth.openidConfiguration(req.params.tenant),
  );
  app.get<{ Params: { tenant: string } }>("/:tenant/discovery/instance", async (req) =>
    auth.instanceDiscovery(req.params.tenant),
  );
  app.get<{ Params: { tenant: string } }>("/:tenant/discovery/v2.0/keys", async () => ({ keys: [auth.jwk] }));
  app.get<{ Params: { tenant: string } }>("/:tenant/discovery/keys", async () => ({ keys: [auth.jwk] }));

  registerGraphRoutes(app, { auth, state, subs, baseUrl: () => baseUrl, clock, strictSessionId, maxPageSize });

  // ------------------------------------------------------------ control API
  const need = (id: string): SimUser => {
    const u = state.find(id);
    if (!u) throw Object.assign(new Error(`unknown user ${id}`), { statusCode: 404 });
    return u;
  };
  const sim: GraphSimulator = {
    url: "",
    port: 0,
    caPem: tls?.caPem,
    tenantId,
    clientId: clients[0]!.clientId,
    clientSecret: clients[0]!.clientSecret,
    get serviceAccounts() {
      return [...auth.serviceAccounts.values()];
    },
    addUsers: (seeds) => seeds.map((s) => state.addUser(s).id),
    addServiceAccount: (a) => auth.addServiceAccount(a),
    setClientPresence(userId, pair) {
      const u = need(userId);
      if (pair) u.sessions.set("teams-client", { ...pair, lastSetAt: clock.now() });
      else u.sessions.delete("teams-client");
      state.touch(u);
    },
    setOutOfOffice(userId, ooo, message = null) {
      const u = need(userId);
      u.ooo = { isOutOfOffice: ooo, message };
      state.touch(u);
    },
    setInMeeting(userId, inMeeting) {
      const u = need(userId);
      u.inMeeting = inMeeting;
      state.touch(u);
    },
    setPreferredPresence(userId, pair, expirationMs = 7 * 24 * 3600_000) {
      const u = need(userId);
      u.preferred = pair ? { ...pair, expiresAt: clock.now() + expirationMs } : undefined;
      state.touch(u);
    },
    presence: (userId) => {
      const u = state.find(userId);
      return u ? state.presenceJson(u) : undefined;
    },
    users: () => [...state.users.values()],
    subscriptions: () =>
      [...subs.byId.values()].map((s) => ({
        ...subs.json(s, baseUrl),
        userCount: s.userIds.size,
        paused: s.paused,
        queued: s.queue.length,
      })),
    async lifecycle(id, event) {
      const s = subs.byId.get(id);
      if (!s) return false;
      if (event === "reauthorizationRequired") s.paused = true;
      if (event === "subscriptionRemoved") {
        subs.byId.delete(id);
        const sent = await deliveries.lifecycle(s, event);
        s.removed = true;
        return sent;
      }
      return deliveries.lifecycle(s, event);
    },
    loseSubscription: (id) => subs.lose(id),
    addFault: (rule) => faults.add(rule),
    clearFaults: () => faults.clear(),
    setPresenceRateLimit(n) {
      faults.presenceLimitPer30s = n;
    },
    advanceClock(ms) {
      clock.advance(ms);
      state.tick();
      subs.expire();
    },
    expireTokens: () => auth.expireAccessTokens(),
    revokeServiceAccount: (userId) => auth.revokeUser(userId),
    issuedRefreshTokens: () => auth.issuedRefreshTokens(),
    mintValidationToken: (overrides, appId) => auth.validationToken(appId ?? clients[0]!.clientId, overrides),
    requests: () => requestLog.slice(),
    deliveries: () => deliveries.log.slice(),
    clearLogs() {
      requestLog = [];
      deliveries.log.length = 0;
    },
    reset() {
      state.reset();
      subs.reset();
      faults.clear();
      requestLog = [];
      deliveries.log.length = 0;
    },
    async close() {
      clearInterval(ticker);
      deliveries.close();
      await app.close();
    },
  };

  app.post("/_emulator/reset", async () => {
    sim.reset();
    return { ok: true };
  });
  app.post("/_emulator/users", async (req) => {
    const b = req.body as { users?: SimUserSeed[] } | SimUserSeed[] | SimUserSeed;
    const seeds = Array.isArray(b)
      ? b
      : "users" in b && Array.isArray(b.users)
        ? b.users
        : [b as SimUserSeed];
    return { ids: sim.addUsers(seeds) };
  });
  app.post<{ Params: { id: string } }>("/_emulator/users/:id/client", async (req) => {
    const b = (req.body ?? {}) as { availability?: string; activity?: string; signedOut?: boolean };
    sim.setClientPresence(
      req.params.id,
      b.signedOut
        ? null
        : { availability: String(b.availability), activity: String(b.activity ?? b.availability) },
    );
    return sim.presence(req.params.id);
  });
  app.post<{ Params: { id: string } }>("/_emulator/users/:id/calendar", async (req) => {
    const b = (req.body ?? {}) as { inMeeting?: boolean; ooo?: boolean; oooMessage?: string };
    if (b.inMeeting !== undefined) sim.setInMeeting(req.params.id, b.inMeeting);
    if (b.ooo !== undefined) sim.setOutOfOffice(req.params.id, b.ooo, b.oooMessage ?? null);
    return sim.presence(req.params.id);
  });
  app.post<{ Params: { id: string } }>("/_emulator/users/:id/preferred", async (req) => {
    const b = (req.body ?? {}) as {
      availability?: string;
      activity?: string;
      clear?: boolean;
      expirationMs?: number;
    };
    sim.setPreferredPresence(
      req.params.id,
      b.clear
        ? null
        : { availability: String(b.availability), activity: String(b.activity ?? b.availability) },
      b.expirationMs,
    );
    return sim.presence(req.params.id);
  });
  app.get<{ Params: { id: string } }>("/_emulator/users/:id", async (req) => {
    const u = need(req.params.id);
    return {
      ...userJson(u),
      presence: state.presenceJson(u),
      sessions: Object.fromEntries(u.sessions),
      preferred: u.preferred ?? null,
    };
  });
  app.post("/_emulator/clock/advance", async (req) => {
    sim.advanceClock(Number((req.body as { ms?: number } | undefined)?.ms ?? 0));
    return { now: new Date(clock.now()).toISOString() };
  });
  app.post("/_emulator/faults", async (req) => {
    const b = (req.body ?? {}) as FaultRule & { presenceLimitPer30s?: number };
    if (b.presenceLimitPer30s !== undefined) {
      sim.setPresenceRateLimit(b.presenceLimitPer30s);
      return { ok: true };
    }
    return { id: sim.addFault(b) };
  });
  app.delete("/_emulator/faults", async () => {
    sim.clearFaults();
    return { ok: true };
  });
  app.get("/_emulator/faults", async () => ({
    rules: faults.list(),
    presenceLimitPer30s: faults.presenceLimitPer30s ?? null,
  }));
  app.post<{ Params: { id: string } }>("/_emulator/subscriptions/:id/lifecycle", async (req, reply) => {
    const ev = (req.body as { event?: string } | undefined)?.event;
    if (ev !== "reauthorizationRequired" && ev !== "subscriptionRemoved" && ev !== "missed")
      return reply
        .code(400)
        .send({ error: "event must be reauthorizationRequired, subscriptionRemoved or missed" });
    return { sent: await sim.lifecycle(req.params.id, ev) };
  });
  app.post<{ Params: { id: string } }>("/_emulator/subscriptions/:id/lose", async (req) => ({
    lost: sim.loseSubscription(req.params.id),
  }));
  app.post("/_emulator/service-accounts", async (req) =>
    sim.addServiceAccount(req.body as SimServiceAccount),
  );
  app.post<{ Params: { id: string } }>("/_emulator/service-accounts/:id/revoke", async (req) => {
    sim.revokeServiceAccount(req.params.id);
    return { ok: true };
  });
  app.post("/_emulator/tokens/expire", async () => {
    sim.expireTokens();
    return { ok: true };
  });
  app.get("/_emulator/deliveries", async () => ({ value: sim.deliveries() }));
  app.get("/_emulator/requests", async () => ({ value: sim.requests() }));
  app.get("/_emulator/state", async () => ({
    now: new Date(clock.now()).toISOString(),
    tenantId,
    users: [...state.users.values()].map((u) => ({ ...userJson(u), presence: state.presenceJson(u) })),
    serviceAccounts: sim.serviceAccounts,
    subscriptions: sim.subscriptions(),
    endpoints: deliveries.endpointStates(),
  }));
  app.get("/_emulator/ca.pem", async (_req, reply) =>
    tls ? reply.type("application/x-pem-file").send(tls.caPem) : reply.code(404).send("plain HTTP mode"),
  );

  await app.listen({ port: options.port ?? 0, host });
  const addr = app.server.address();
  const port = typeof addr === "object" && addr ? addr.port : 0;
  baseUrl = `${tls ? "https" : "http"}://${host.includes(":") ? `[${host}]` : host}:${port}`;
  Object.assign(sim, { url: baseUrl, port });
  // Internal handle kept for older test helpers that read issued refresh tokens directly.
  Object.defineProperty(sim, "auth", { value: auth, enumerable: false });
  // Wall-clock driver for expiries; tests move time faster with advanceClock.
  const ticker = setInterval(() => {
    state.tick();
    subs.expire();
  }, 1000);
  ticker.unref();
  return sim;
}

export type { DeliveryRecord, FaultRule, SimPair, SimUserSeed, PresenceJson, SimSubscription };
