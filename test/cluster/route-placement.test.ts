// With several instances every admin route must say where it is answered (server/cluster/route-placement.ts):
// a route missing there would be served by whichever instance the load balancer picked, on a tenant that may
// run elsewhere. Every route the app registers is checked against the table, the table against the routes
// (no stale entries), and each placement against the path it needs (`:tenant`, `:id`).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Placement, ROUTE_PLACEMENT } from "../../server/cluster/route-placement.js";
import { openTenantWorld, type TenantWorld } from "../api/tenant-world.js";

describe("route placement", () => {
  let world: TenantWorld;
  let keys: string[];

  beforeAll(async () => {
    world = await openTenantWorld();
    keys = [
      ...new Set(
        world.routes.flatMap((r) =>
          (Array.isArray(r.method) ? r.method : [r.method])
            .filter((m) => m !== "HEAD" && m !== "OPTIONS")
            .map((m) => `${m} ${r.url}`),
        ),
      ),
    ].filter((k) => / \/api\/| \/metrics$/.test(k));
  });
  afterAll(async () => world?.close());

  it("every registered admin route is placed", () => {
    expect(keys.length).toBeGreaterThan(60);
    expect(keys.filter((k) => !(k in ROUTE_PLACEMENT))).toEqual([]);
  });

  it("every placed route exists", () => {
    expect(Object.keys(ROUTE_PLACEMENT).filter((k) => !keys.includes(k))).toEqual([]);
  });

  it("each placement names what it routes by", () => {
    const needs: Partial<Record<Placement, RegExp>> = {
      "tenant-param": /\/:tenant(\/|$)/,
      connector: /^\S+ \/api\/connectors\/:id/,
      endpoint: /^\S+ \/api\/endpoints\/:id/,
      "default-tenant": /^\S+ \/api\/teams/,
    };
    const wrong = Object.entries(ROUTE_PLACEMENT).filter(([k, p]) => needs[p] && !needs[p]?.test(k));
    expect(wrong).toEqual([]);
  });
});
