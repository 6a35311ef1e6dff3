// Event log API and the live Server-Sent Events stream the UI listens to (connector status, endpoint
// presence, decisions). Streams are ended on shutdown so closing the server never waits on a browser.
// Events carry the display names of their endpoint and connector (endpointName, connectorName) in both,
// looked up through the hub and kept briefly, so the UI never shows bare ids. A tenant admin's list and
// stream carry its tenant's messages only (hub/scoped-hub.ts).
import type { ServerResponse } from "node:http";
import type { FastifyInstance } from "fastify";
import type { EventListQuery, Hub, HubEvent, HubStreamMessage } from "../hub/types.js";
import { errorSchema, tenantQuery } from "./schemas.js";

const tags = ["events"];
const HEARTBEAT_MS = 15_000;
const NAME_TTL_MS = 30_000;

/** An event as the API returns it: with the names of its endpoint and connector when they still exist. */
export type NamedEvent = HubEvent & { endpointName?: string; connectorName?: string };

/** Adds endpointName/connectorName to events; names are cached for NAME_TTL_MS (renames show up soon after). */
export function eventNamer(hub: Hub): (e: HubEvent) => NamedEvent {
  const cache = new Map<string, { name: string | undefined; at: number }>();
  const lookup = (key: string, get: () => string) => {
    const now = Date.now();
    const hit = cache.get(key);
    if (hit && now - hit.at < NAME_TTL_MS) return hit.name;
    let name: string | undefined;
    try {
      name = get();
    } catch {
      name = undefined; // deleted since: the UI says so
    }
    if (cache.size > 5000) cache.clear();
    cache.set(key, { name, at: now });
    return name;
  };
  return (e) => {
    const out: NamedEvent = { ...e };
    if (e.endpointId) {
      const n = lookup(`e:${e.endpointId}`, () => hub.endpoints.get(e.endpointId as string).displayName);
      if (n !== undefined) out.endpointName = n;
    }
    if (e.connectorId) {
      const n = lookup(`c:${e.connectorId}`, () => hub.connectors.get(e.connectorId as string).name);
      if (n !== undefined) out.connectorName = n;
    }
    return out;
  };
}

/**
 * Every route uses `request.hub`, the hub scoped to the caller: a tenant admin's list and stream hold its
 * tenant's events only, and names are looked up through the same scope (one namer per request or stream).
 */
export async function eventRoutes(app: FastifyInstance): Promise<void> {
  const streams = new Set<ServerResponse>();

  app.get<{ Querystring: EventListQuery }>(
    "/api/events",
    {
      schema: {
        tags,
        summary: "Event log with explanations, newest first (a tenant admin: its tenant's)",
        description:
          "Filters combine (AND). `kind`: comma-separated exact kinds (`write.pbx`) or families (`decision` = " +
          "every `decision.*`), any matches. `level`: the minimum level (`warn` = warnings and errors). " +
          "Page backwards with `beforeId` = the id of the oldest event shown. Each event has `endpointName` " +
          "and `connectorName` while they exist.",
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: {
            ...tenantQuery,
            endpointId: { type: "string", maxLength: 64 },
            connectorId: { type: "string", maxLength: 64 },
            kind: { type: "string", maxLength: 300, pattern: "^[a-zA-Z.]+(,[a-zA-Z.]+)*$" },
            level: { type: "string", enum: ["debug", "info", "warn", "error"] },
            beforeId: { type: "integer", minimum: 1 },
            limit: { type: "integer", minimum: 1, maximum: 1000 },
          },
        },
        response: { 400: errorSchema },
      },
    },
    async (request) => request.hub.events.list(request.query).map(eventNamer(request.hub)),
  );

  app.get(
    "/api/events/stream",
    {
      schema: {
        tags,
        summary: "Server-Sent Events: `event`, `endpoint`, `connector` and `teams` messages as JSON (a tenant admin: its tenant's)",
        produces: ["text/event-stream"],
      },
    },
    async (request, reply) => {
      const hub = request.hub;
      const named = eventNamer(hub);
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-store",
        connection: "keep-alive",
        "x-accel-buffering": "no",
      });
      res.write("retry: 3000\n\n");
      streams.add(res);
      const send = (message: HubStreamMessage) => {
        const m = message.type === "event" ? { ...message, event: named(message.event) } : message;
        res.write(`event: ${message.type}\ndata: ${JSON.stringify(m)}\n\n`);
      };
      const unsubscribe = hub.events.subscribe(send);
      const heartbeat = setInterval(() => res.write(": keep-alive\n\n"), HEARTBEAT_MS);
      heartbeat.unref();
      const cleanup = () => {
        clearInterval(heartbeat);
        unsubscribe();
        streams.delete(res);
      };
      request.raw.on("close", cleanup);
      res.on("close", cleanup);
    },
  );

  app.addHook("preClose", async () => {
    for (const res of streams) res.end();
    streams.clear();
  });
}
