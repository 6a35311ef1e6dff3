// Health endpoint for load balancers and the CLI: 200 while running and the store is usable, 503
// otherwise. Anonymous callers learn only that ({ok, state}); connector names, versions and counts need
// a session or the API token, because a health URL is often reachable from wider networks than the UI;
// a tenant admin's details are its own tenant's.
import type { FastifyInstance } from "fastify";
import type { Hub } from "../hub/types.js";

export async function healthRoutes(
  app: FastifyInstance,
  opts: {
    hub: Hub;
    /** Several instances: this instance, who runs what and the store; not ok = this instance is degraded. */
    cluster?: () => { ok: boolean; details: Record<string, unknown> };
  },
): Promise<void> {
  app.get(
    "/api/health",
    {
      schema: {
        tags: ["operations"],
        summary:
          "Health: 200 ok, 503 degraded/stopping; details (connectors, sync counts) when authenticated",
      },
    },
    async (request, reply) => {
      const authenticated = await app.authenticate(request, reply).then(
        () => true,
        () => false,
      );
      // Signed in: the details through the caller's scoped hub (a tenant admin's are its tenant's only).
      const health = authenticated ? request.hub.health() : opts.hub.health();
      const cluster = opts.cluster?.();
      const ok = health.ok && (cluster?.ok ?? true);
      reply.code(ok ? 200 : 503);
      if (!authenticated) return { ok, state: health.state };
      // Which instance owns what is hub-wide: a tenant admin does not learn about other tenants here.
      const details = cluster && request.identity?.role === "admin" ? { cluster: cluster.details } : {};
      // With a shared store, "store ok" means the database answers (the coordinator's last round reached it).
      const store = cluster ? { ...health.store, ok: health.store.ok && cluster.ok } : health.store;
      return { ...health, ok, store, ...details };
    },
  );
}
