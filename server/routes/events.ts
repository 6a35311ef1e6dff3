// Event log API and the live Server-Sent Events stream the UI listens to (connector status, endpoint
// presence, decisions). Streams are ended on shutdown so closing the server never waits on a browser.
import type { ServerResponse } from "node:http";
import type { FastifyInstance } from "fastify";
import type { EventListQuery, Hub, HubStreamMessage } from "../hub/types.js";
import { errorSchema } from "./schemas.js";

const tags = ["events"];
const HEARTBEAT_MS = 15_000;

export async function eventRoutes(app: FastifyInstance, opts: { hub: Hub }): Promise<void> {
  const { hub } = opts;
  const streams = new Set<ServerResponse>();

  app.get<{ Querystring: EventListQuery }>(
    "/api/events",
    {
      schema: {
        tags,
        summary: "Event log with explanations, newest first",
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: {
            endpointId: { type: "string", maxLength: 64 },
            connectorId: { type: "string", maxLength: 64 },
            beforeId: { type: "integer", minimum: 1 },
            limit: { type: "integer", minimum: 1, maximum: 1000 },
          },
        },
        response: { 400: errorSchema },
      },
    },
    async (request) => hub.events.list(request.query),
  );

  app.get(
    "/api/events/stream",
    {
      schema: {
        tags,
        summary: "Server-Sent Events: `event`, `endpoint`, `connector` and `teams` messages as JSON",
        produces: ["text/event-stream"],
      },
    },
    async (request, reply) => {
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
        res.write(`event: ${message.type}\ndata: ${JSON.stringify(message)}\n\n`);
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
