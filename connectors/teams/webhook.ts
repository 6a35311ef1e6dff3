// The hub's Graph webhook as a fastify 5 plugin: notification and lifecycle URLs with the exact
// validation handshake (200, text/plain, the URL-decoded token, msgraph-presence.md §3.3), a body size
// limit, and 202 within milliseconds — items are handed to the adapter after the reply is sent, because
// Graph throttles or drops endpoints that answer slower than 3 s (§3.4). With several tenants (one adapter
// each) every item goes to exactly the one adapter that owns its subscription and clientState; an item no
// adapter owns goes nowhere, so a notification for one tenant can never reach another's state.
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import { logger } from "../../common/log.js";
import { BodyReport, SummaryLimiter } from "./webhook-report.js";

const log = logger("teams");

/** Where the routes are mounted unless the options say otherwise (the notification URLs Graph is given). */
export const GRAPH_NOTIFY_PATH = "/graph/notify";
export const GRAPH_LIFECYCLE_PATH = "/graph/lifecycle";

/** What the plugin hands notification bodies to (the Teams adapter implements it). */
export interface TeamsWebhookHandler {
  /** `handedOn`: another instance received the body and handed it on (it may arrive after a newer one). */
  handleNotifications(body: unknown, opts?: { handedOn?: boolean }): void;
  handleLifecycle(body: unknown): void;
  /** Whether this adapter's subscription `subscriptionId` carries `clientState` (or is being created with it). */
  owns(subscriptionId: unknown, clientState: unknown): boolean;
}

export interface TeamsWebhookOptions {
  /**
   * The handler(s), or a getter when adapters are (re)created after the routes are registered: one per
   * tenant with a running Microsoft 365 connection.
   */
  handler: TeamsWebhookHandler | (() => TeamsWebhookHandler | TeamsWebhookHandler[] | undefined);
  /** Default /graph/notify. */
  notifyPath?: string;
  /** Default /graph/lifecycle. */
  lifecyclePath?: string;
  /** Max request body, default 4 MiB (Graph batches up to ~100 rich items per POST). */
  bodyLimit?: number;
  /**
   * Several instances: items no adapter here owns (their tenant runs on another instance) go here, as a
   * body of their own (with the body's validationTokens), instead of being dropped. Not for a request
   * another instance already handed on (`handedOn`).
   */
  unrouted?: { handedOn(req: FastifyRequest): boolean; forward(req: FastifyRequest, kind: "notify" | "lifecycle", body: unknown): void };
}

/** The decoded validationToken of a request, if it is a validation request. */
export function validationTokenOf(rawUrl: string): string | null {
  const q = rawUrl.indexOf("?");
  if (q < 0) return null;
  // URLSearchParams decodes percent escapes and '+' as space, as the reference requires (§3.3).
  return new URLSearchParams(rawUrl.slice(q + 1)).get("validationToken");
}

export const teamsWebhookRoutes: FastifyPluginAsync<TeamsWebhookOptions> = async (app, opts) => {
  const resolve = (): TeamsWebhookHandler[] => {
    const h = typeof opts.handler === "function" ? opts.handler() : opts.handler;
    return h === undefined ? [] : Array.isArray(h) ? h : [h];
  };
  const bodyLimit = opts.bodyLimit ?? 4 * 1024 * 1024;
  const unrouted = new SummaryLimiter(log);

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
      const handlers = resolve();
      const handedOn = opts.unrouted?.handedOn(req) ?? false;
      const elsewhere = opts.unrouted && !handedOn ? opts.unrouted : undefined;
      if (handlers.length === 0 && !elsewhere) return reply.code(503).send({ error: "Teams connector is not running" });
      const body = req.body;
      // Acknowledge first, process after the response is on the wire.
      setImmediate(() => {
        try {
          const rest: unknown[] = [];
          for (const [handler, part] of route_(handlers, body, unrouted, elsewhere ? rest : undefined)) {
            if (kind === "notify") handler.handleNotifications(part, { handedOn });
            else handler.handleLifecycle(part);
          }
          if (elsewhere && rest.length) elsewhere.forward(req, kind, withTokens(body, rest));
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

/**
 * Which adapter gets which items. One adapter gets the body as it is (it checks and reports every item
 * itself); with several, each item goes to the one adapter owning its subscription and clientState, and
 * items nobody owns are dropped here with one rate-limited summary line.
 */
function route_(
  handlers: TeamsWebhookHandler[],
  body: unknown,
  unrouted: SummaryLimiter,
  /** Collects the items no handler here owns (several instances: another one may). */
  rest?: unknown[],
): [TeamsWebhookHandler, unknown][] {
  if (handlers.length === 1 && !rest) return [[handlers[0]!, body]];
  const items = (body as { value?: unknown } | null)?.value;
  const report = new BodyReport();
  const parts = new Map<TeamsWebhookHandler, unknown[]>();
  if (!Array.isArray(items)) report.ignore("malformed body");
  else {
    report.items = items.length;
    for (const item of items) {
      const it = item as { subscriptionId?: unknown; clientState?: unknown } | null;
      const owner =
        it && typeof it === "object"
          ? handlers.find((h) => h.owns(it.subscriptionId, it.clientState))
          : undefined;
      if (!owner && rest && it && typeof it === "object") {
        rest.push(item);
        continue;
      }
      if (!owner) {
        report.ignore(
          it && typeof it === "object" ? "unknown subscription or wrong clientState" : "not an object",
          it?.subscriptionId,
        );
        continue;
      }
      report.accepted++;
      const list = parts.get(owner);
      if (list) list.push(item);
      else parts.set(owner, [item]);
    }
  }
  unrouted.report(report, "webhook body: items no tenant's subscription owns were ignored");
  return [...parts].map(([h, value]) => [h, withTokens(body, value)]);
}

/**
 * A body of some of `body`'s items. Each part keeps the body's validationTokens: without them the adapter
 * would take its rich items as coming from a misconfigured app (tokens null, §3.8) and skip the token check.
 */
function withTokens(body: unknown, value: unknown[]): unknown {
  const tokens = (body as { validationTokens?: unknown } | null)?.validationTokens;
  return tokens === undefined ? { value } : { value, validationTokens: tokens };
}
