// Graph half of the simulator's HTTP surface (msgraph-presence.md §8.3, §8.4): /v1.0/users (paged,
// $select), presence reads, getPresencesByUserId, the presence actions with the pair and duration rules,
// and the subscription routes — each checking the bearer token's roles (app) or scopes (delegated).
import { randomUUID } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { parseIsoDuration } from "../config.js";
import type { SimAuth, TokenClaims } from "./auth.js";
import { PREFERRED_PAIRS, pairKey, SET_PRESENCE_PAIRS, type SimState, type SimUser, type VirtualClock } from "./state.js";
import type { SimSubscriptions } from "./subscriptions.js";

export interface GraphRoutesContext {
  auth: SimAuth;
  state: SimState;
  subs: SimSubscriptions;
  clock: VirtualClock;
  /** The simulator's base URL (known once it listens). */
  baseUrl: () => string;
  /** setPresence sessionId must equal the caller's app id. */
  strictSessionId: boolean;
  /** Max /users page size. */
  maxPageSize: number;
}

export function graphError(reply: FastifyReply, status: number, code: string, message: string): FastifyReply {
  const rid = String(reply.getHeader("request-id") ?? randomUUID());
  return reply
    .code(status)
    .type("application/json")
    .send({
      error: {
        code,
        message,
        innerError: { date: new Date().toISOString(), "request-id": rid, "client-request-id": rid },
      },
    });
}

/** A user as /v1.0/users shows it, optionally narrowed by $select (the id always stays). */
export function userJson(u: SimUser, select?: string[]): Record<string, unknown> {
  const full: Record<string, unknown> = {
    id: u.id,
    displayName: u.displayName,
    mail: u.mail,
    userPrincipalName: u.upn,
  };
  if (!select) return full;
  return Object.fromEntries(Object.entries(full).filter(([k]) => k === "id" || select.includes(k)));
}

export function registerGraphRoutes(app: FastifyInstance, ctx: GraphRoutesContext): void {
  const { auth, state, subs, clock, strictSessionId, maxPageSize } = ctx;
  function claimsOf(req: FastifyRequest, reply: FastifyReply): TokenClaims | undefined {
    const h = req.headers.authorization ?? "";
    const c = h.toLowerCase().startsWith("bearer ") ? auth.lookup(h.slice(7)) : undefined;
    if (!c) {
      graphError(
        reply,
        401,
        "InvalidAuthenticationToken",
        h ? "Access token has expired or is not yet valid." : "Access token is empty.",
      );
      return undefined;
    }
    return c;
  }
  const can = (c: TokenClaims, app: string[], delegated: string[]): boolean =>
    c.kind === "app" ? c.roles.some((r) => app.includes(r)) : c.scopes.some((s) => delegated.includes(s));
  const READ_APP = ["Presence.Read.All", "Presence.ReadWrite.All"];
  const READ_USER = ["Presence.Read.All", "Presence.Read", "Presence.ReadWrite"];
  const WRITE_APP = ["Presence.ReadWrite.All"];
  const WRITE_USER = ["Presence.ReadWrite"];
  const USERS_APP = ["User.ReadBasic.All", "User.Read.All", "Directory.Read.All", "User.ReadWrite.All"];

  app.get("/v1.0/users", async (req, reply) => {
    const c = claimsOf(req, reply);
    if (!c) return reply;
    if (c.kind === "app" && !can(c, USERS_APP, []))
      return graphError(
        reply,
        403,
        "Authorization_RequestDenied",
        "Insufficient privileges to complete the operation.",
      );
    const q = req.query as Record<string, string | undefined>;
    const top = Math.min(Math.max(Number(q.$top ?? 100) || 100, 1), maxPageSize);
    const skip = Number(q.$skiptoken ?? 0) || 0;
    const select = q.$select ? q.$select.split(",").map((s) => s.trim()) : undefined;
    const all = [...state.users.values()];
    const page = all.slice(skip, skip + top).map((u) => userJson(u, select));
    const body: Record<string, unknown> = {
      "@odata.context": `${ctx.baseUrl()}/v1.0/$metadata#users`,
      value: page,
    };
    if (skip + top < all.length) {
      const next = new URLSearchParams({
        ...(q.$select ? { $select: q.$select } : {}),
        $top: String(top),
        $skiptoken: String(skip + top),
      });
      body["@odata.nextLink"] =
        `${ctx.baseUrl()}/v1.0/users?${next.toString().replace(/%24/g, "$").replace(/%2C/g, ",")}`;
    }
    return body;
  });
  app.get<{ Params: { id: string } }>("/v1.0/users/:id", async (req, reply) => {
    const c = claimsOf(req, reply);
    if (!c) return reply;
    if (c.kind === "app" && !can(c, USERS_APP, []))
      return graphError(
        reply,
        403,
        "Authorization_RequestDenied",
        "Insufficient privileges to complete the operation.",
      );
    const u = state.find(req.params.id);
    if (!u)
      return graphError(
        reply,
        404,
        "Request_ResourceNotFound",
        `Resource '${req.params.id}' does not exist or one of its queried reference-property objects are not present.`,
      );
    return userJson(u);
  });

  const readPresence = async (req: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply) => {
    const c = claimsOf(req, reply);
    if (!c) return reply;
    if (!can(c, READ_APP, READ_USER))
      return graphError(reply, 403, "Forbidden", "Insufficient privileges: Presence.Read.All is required.");
    const u = state.users.get(req.params.id);
    if (!u) return graphError(reply, 404, "NotFound", `User ${req.params.id} was not found.`);
    return {
      "@odata.context": `${ctx.baseUrl()}/v1.0/$metadata#users('${u.id}')/presence/$entity`,
      ...state.presenceJson(u),
    };
  };
  app.get("/v1.0/users/:id/presence", readPresence);
  app.get("/v1.0/communications/presences/:id", readPresence);
  app.get("/v1.0/me/presence", async (req, reply) => {
    const c = claimsOf(req, reply);
    if (!c) return reply;
    if (c.kind === "app")
      return graphError(
        reply,
        400,
        "BadRequest",
        "/me request is only valid with delegated authentication flow.",
      );
    const u = state.users.get(c.oid);
    if (!u) return graphError(reply, 404, "NotFound", "The signed-in user has no presence.");
    return state.presenceJson(u);
  });
  app.post("/v1.0/communications/getPresencesByUserId", async (req, reply) => {
    const c = claimsOf(req, reply);
    if (!c) return reply;
    if (!can(c, READ_APP, READ_USER))
      return graphError(reply, 403, "Forbidden", "Insufficient privileges: Presence.Read.All is required.");
    const ids = (req.body as { ids?: unknown } | undefined)?.ids;
    if (!Array.isArray(ids) || ids.length === 0)
      return graphError(reply, 400, "BadRequest", "The ids parameter is required.");
    if (ids.length > 650)
      return graphError(reply, 400, "BadRequest", "The number of ids exceeds the limit of 650.");
    const value = ids
      .map((id) => state.users.get(String(id)))
      .filter((u): u is SimUser => !!u)
      .map((u) => state.presenceJson(u));
    return { "@odata.context": `${ctx.baseUrl()}/v1.0/$metadata#Collection(microsoft.graph.presence)`, value };
  });

  const presenceAction = async (
    req: FastifyRequest<{ Params: { id: string; action: string } }>,
    reply: FastifyReply,
  ) => {
    const c = claimsOf(req, reply);
    if (!c) return reply;
    const { id, action } = req.params;
    if (!can(c, WRITE_APP, WRITE_USER))
      return graphError(
        reply,
        403,
        "Forbidden",
        "Insufficient privileges: Presence.ReadWrite.All is required.",
      );
    const u = state.users.get(id);
    if (!u) return graphError(reply, 404, "NotFound", `User ${id} was not found.`);
    const b = (req.body ?? {}) as Record<string, unknown>;
    const now = clock.now();
    const durationOf = (value: unknown, dflt: number): number | undefined => {
      if (value === undefined || value === null) return dflt;
      const ms = typeof value === "string" ? parseIsoDuration(value) : undefined;
      return ms !== undefined && ms >= 5 * 60_000 && ms <= 4 * 3600_000 ? ms : undefined;
    };
    switch (action) {
      case "setPresence": {
        const sessionId = typeof b.sessionId === "string" ? b.sessionId : "";
        if (!sessionId) return graphError(reply, 400, "BadRequest", "sessionId is required.");
        if (strictSessionId && c.kind === "app" && sessionId !== c.appId)
          return graphError(
            reply,
            400,
            "BadRequest",
            "The sessionId must be the application id of the caller.",
          );
        const pair = { availability: String(b.availability ?? ""), activity: String(b.activity ?? "") };
        if (!SET_PRESENCE_PAIRS.includes(pairKey(pair)))
          return graphError(reply, 400, "BadRequest", `The combination ${pairKey(pair)} is not supported.`);
        const ms = durationOf(b.expirationDuration, 5 * 60_000);
        if (ms === undefined)
          return graphError(reply, 400, "BadRequest", "expirationDuration must be between PT5M and PT4H.");
        u.sessions.set(sessionId, { ...pair, expiresAt: now + ms, lastSetAt: now });
        break;
      }
      case "clearPresence": {
        const sessionId = typeof b.sessionId === "string" ? b.sessionId : "";
        if (!u.sessions.has(sessionId) || sessionId === "teams-client")
          return graphError(reply, 404, "NotFound", "The presence session was not found.");
        u.sessions.delete(sessionId);
        break;
      }
      case "setUserPreferredPresence": {
        const pair = { availability: String(b.availability ?? ""), activity: String(b.activity ?? "") };
        if (!PREFERRED_PAIRS.includes(pairKey(pair)))
          return graphError(reply, 400, "BadRequest", `The combination ${pairKey(pair)} is not supported.`);
        const dflt =
          pair.availability === "DoNotDisturb" || pair.availability === "Busy"
            ? 24 * 3600_000
            : 7 * 24 * 3600_000;
        const ms = b.expirationDuration === undefined ? dflt : durationOf(b.expirationDuration, dflt);
        if (ms === undefined) return graphError(reply, 400, "BadRequest", "Invalid expirationDuration.");
        u.preferred = { ...pair, expiresAt: now + ms };
        break;
      }
      case "clearUserPreferredPresence":
        u.preferred = undefined;
        break;
      case "setStatusMessage": {
        const sm = b.statusMessage as
          | { message?: { content?: string; contentType?: string }; expiryDateTime?: unknown }
          | undefined;
        if (!sm?.message || (sm.message.contentType ?? "text") !== "text")
          return graphError(reply, 400, "BadRequest", "Only text status messages are supported.");
        u.statusMessage = {
          message: { content: String(sm.message.content ?? ""), contentType: "text" },
          publishedDateTime: new Date(now).toISOString(),
          expiryDateTime: sm.expiryDateTime,
        };
        break;
      }
      default:
        return graphError(reply, 400, "BadRequest", `Unknown presence action ${action}.`);
    }
    state.touch(u);
    return reply.code(200).send();
  };
  app.post("/v1.0/users/:id/presence/:action", presenceAction);
  app.post("/v1.0/communications/presences/:id/:action", presenceAction);

  const subError = (reply: FastifyReply, r: { status: number; code: string; message: string }) =>
    graphError(reply, r.status, r.code, r.message);
  app.post("/v1.0/subscriptions", async (req, reply) => {
    const c = claimsOf(req, reply);
    if (!c) return reply;
    const r = await subs.create(c, (req.body ?? {}) as Record<string, unknown>);
    if ("status" in r) return subError(reply, r);
    return reply.code(201).send(subs.json(r, ctx.baseUrl()));
  });
  app.get("/v1.0/subscriptions", async (req, reply) => {
    const c = claimsOf(req, reply);
    if (!c) return reply;
    return { value: subs.list(c).map((s) => subs.json(s, ctx.baseUrl())) };
  });
  const notFound = (reply: FastifyReply, id: string) =>
    graphError(reply, 404, "ResourceNotFound", `The object was not found: subscription ${id}`);
  app.get<{ Params: { id: string } }>("/v1.0/subscriptions/:id", async (req, reply) => {
    const c = claimsOf(req, reply);
    if (!c) return reply;
    const s = subs.get(c, req.params.id);
    return s ? subs.json(s, ctx.baseUrl()) : notFound(reply, req.params.id);
  });
  app.patch<{ Params: { id: string } }>("/v1.0/subscriptions/:id", async (req, reply) => {
    const c = claimsOf(req, reply);
    if (!c) return reply;
    const r = subs.update(c, req.params.id, (req.body ?? {}) as Record<string, unknown>);
    if ("status" in r) return subError(reply, r);
    return subs.json(r, ctx.baseUrl());
  });
  app.post<{ Params: { id: string } }>("/v1.0/subscriptions/:id/reauthorize", async (req, reply) => {
    const c = claimsOf(req, reply);
    if (!c) return reply;
    return subs.reauthorize(c, req.params.id) ? reply.code(204).send() : notFound(reply, req.params.id);
  });
  app.delete<{ Params: { id: string } }>("/v1.0/subscriptions/:id", async (req, reply) => {
    const c = claimsOf(req, reply);
    if (!c) return reply;
    return subs.remove(c, req.params.id) ? reply.code(204).send() : notFound(reply, req.params.id);
  });
}
