// Prometheus exposition at GET /metrics: the hub's registry (sync, connectors, rules) plus HTTP request
// metrics of this app. Mounted unauthenticated or behind auth depending on PRESENCE_HUB_METRICS_AUTH.
import type { FastifyInstance, FastifyRequest } from "fastify";
import { Counter, Histogram, Registry } from "prom-client";
import type { Hub } from "../hub/types.js";

export function createHttpMetrics(): {
  registry: Registry;
  observe: (method: string, route: string, status: number, seconds: number) => void;
} {
  const registry = new Registry();
  const requests = new Counter({
    name: "presence_hub_http_requests_total",
    help: "HTTP requests by method, route and status",
    labelNames: ["method", "route", "status"],
    registers: [registry],
  });
  const duration = new Histogram({
    name: "presence_hub_http_request_duration_seconds",
    help: "HTTP request duration by route",
    labelNames: ["method", "route"],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  return {
    registry,
    observe(method, route, status, seconds) {
      requests.inc({ method, route, status: String(status) });
      duration.observe({ method, route }, seconds);
    },
  };
}

/**
 * `hub` picks the hub per request: the hub itself when mounted publicly, the request's scoped hub behind
 * authentication (whose `metrics` a tenant admin may not read: every tenant's ids are labels there).
 */
export async function metricsRoutes(
  app: FastifyInstance,
  opts: { hub: (request: FastifyRequest) => Hub; http: Registry },
): Promise<void> {
  app.get(
    "/metrics",
    {
      schema: {
        tags: ["operations"],
        summary: "Prometheus metrics (labelled with every tenant's ids; admins only when it needs authentication)",
        produces: ["text/plain"],
      },
    },
    async (request, reply) => {
      const registry = opts.hub(request).metrics;
      const [hubText, httpText] = await Promise.all([registry.metrics(), opts.http.metrics()]);
      reply.type(registry.contentType || "text/plain; version=0.0.4; charset=utf-8");
      return `${hubText.trimEnd()}\n${httpText}`;
    },
  );
}
