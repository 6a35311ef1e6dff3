// The hub's Graph webhook as a fastify 5 plugin: notification and lifecycle URLs with the exact
// validation handshake (200, text/plain, the URL-decoded token, msgraph-presence.md §3.3), a body size
// limit, and 202 within milliseconds — items are handed to the adapter after the reply is sent, because
// Graph throttles or drops endpoints that answer slower than 3 s (§3.4).
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import { logger } from "../../common/log.js";

const log = logger("teams");

/** Where the routes are mounted unless the options say otherwise (the notification URLs Graph is given). */
export const GRAPH_NOTIFY_PATH = "/graph/notify";
export const GRAPH_LIFECYCLE_PATH = "/graph/lifecycle";

/** What the plugin hands notification bodies to (the Teams adapter implements it). */
export interface TeamsWebhookHandler {
  handleNotifications(body: unknown): void;
  handleLifecycle(body: unknown): void;
}

export interface TeamsWebhookOptions {
  /** The handler, or a getter when the adapter is (re)created after the routes are registered. */
  handler: TeamsWebhookHandler | (() => TeamsWebhookHandler | undefined);
  /** Default /graph/notify. */
  notifyPath?: string;
  /** Default /graph/lifecycle. */
  lifecyclePath?: string;
  /** Max request body, default 4 MiB (Graph batches up to ~100 rich items per POST). */
  bodyLimit?: number;
}

/** The decoded validationToken of a request, if it is a validation request. */
export function validationTokenOf(rawUrl: string): string | null {
  const q = rawUrl.indexOf("?");
  if (q < 0) return null;
  // URLSearchParams decodes percent escapes and '+' as space, as the reference requires (§3.3).
  return new URLSearchParams(rawUrl.slice(q + 1)).get("validationToken");
}

export const teamsWebhookRoutes: FastifyPluginAsync<TeamsWebhookOptions> = async (app, opts) => {
  const resolve = (): TeamsWebhookHandler | undefined =>
    typeof opts.handler === "function" ? opts.handler() : opts.handler;
  const bodyLimit = opts.bodyLimit ?? 4 * 1024 * 1024;

  // Answer the handshake before any body parsing: Graph sends text/plain with an empty body.
  const handshake = async (req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    const token = validationTokenOf(req.raw.url ?? "");
    if (token === null) return undefined;
    log.info({ path: req.routeOptions.url }, "graph validation request answered");
    // Returning the reply ends the lifecycle here: no body parsing, no notification handler.
    return reply.code(200).header("content-type", "text/plain; charset=utf-8").send(token);
  };

  const route = (path: string, kind: "notify" | "lifecycle") => {
    app.post(path, { bodyLimit, onRequest: handshake }, async (req, reply) => {
      const handler = resolve();
      if (!handler) return reply.code(503).send({ error: "Teams connector is not running" });
      const body = req.body;
      // Acknowledge first, process after the response is on the wire.
      setImmediate(() => {
        try {
          if (kind === "notify") handler.handleNotifications(body);
          else handler.handleLifecycle(body);
        } catch (e) {
          log.warn({ err: (e as Error).message }, "webhook processing failed");
        }
      });
      return reply.code(202).send();
    });
  };
  route(opts.notifyPath ?? GRAPH_NOTIFY_PATH, "notify");
  route(opts.lifecyclePath ?? GRAPH_LIFECYCLE_PATH, "lifecycle");
};
