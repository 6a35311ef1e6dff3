// Unauthenticated health endpoint for load balancers and the CLI: 200 while running and the store is
// usable, 503 otherwise. Reveals only states and counts, nothing an attacker could use.
import type { FastifyInstance } from "fastify";
import type { Hub } from "../hub/types.js";

export async function healthRoutes(app: FastifyInstance, opts: { hub: Hub }): Promise<void> {
  app.get("/api/health", { schema: { tags: ["operations"], summary: "Health: 200 ok, 503 degraded/stopping" } }, async (_request, reply) => {
    const health = opts.hub.health();
    reply.code(health.ok ? 200 : 503);
    return health;
  });
}
