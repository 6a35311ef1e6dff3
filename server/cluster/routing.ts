// Any instance serves the admin API: a request about a tenant another instance runs is handed to that
// instance (route-placement.ts says how each route names its tenant) and its reply copied back; an admin's
// list or action over every tenant is gathered from each tenant's owner and merged. Requests about
// nothing tenant-specific (accounts, catalogues, the event log in the shared store) are answered here.
import type { FastifyReply, FastifyRequest } from "fastify";
import { HubError } from "../../common/errors.js";
import type { ConnectorView, EndpointView, Page, RematchResult, TenantView } from "../hub/types.js";
import { byListOrder } from "../hub/endpoints.js";
import { DEFAULT_TENANT, type HubStore } from "../store/types.js";
import { callPeer, HOP_HEADER, peerJson, sendPeerReply } from "./peer-http.js";
import { type Placement, ROUTE_PLACEMENT } from "./route-placement.js";

type Query = Record<string, string | undefined>;
type Body = Record<string, unknown> | undefined;

export interface ClusterRouting {
  /** Before every authenticated route: answers it by handing it on when its tenant runs elsewhere. */
  preHandler(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined>;
}

/** What routing needs to know of the cluster (Cluster implements it). */
export interface TenantOwnership {
  readonly instanceId: string;
  /** Whether this instance runs the tenant. */
  owns(tenant: string): boolean;
  /** The instance running it, as of the last coordination round. */
  ownerOf(tenant: string): { id: string; url: string | null } | undefined;
  /** The instance running it, as the database says now. */
  freshOwnerOf(tenant: string): Promise<{ id: string; url: string | null } | undefined>;
}

export function clusterRouting(o: { cluster: TenantOwnership; store: HubStore; selfUrl: () => string }): ClusterRouting {
  const { cluster, store } = o;

  /** The tenant a request is about; "all" for an admin's request over every tenant; undefined: answer here. */
  async function tenantOf(request: FastifyRequest, placement: Placement): Promise<string | "all" | undefined> {
    const params = request.params as Record<string, string>;
    const query = (request.query ?? {}) as Query;
    const body = request.body as Body;
    const own = request.identity?.role === "tenant-admin" ? (request.identity.tenant ?? undefined) : undefined;
    switch (placement) {
      case "any":
        return undefined;
      case "tenant-param":
        return params.tenant;
      case "default-tenant":
        return own ?? DEFAULT_TENANT;
      case "connector":
        return store.getConnector(params.id ?? "")?.tenant;
      case "endpoint":
        return store.endpointTenant(params.id ?? "");
      case "body-tenant":
        return own ?? (typeof body?.tenant === "string" ? body.tenant : DEFAULT_TENANT);
      case "list": {
        if (own) return own;
        if (query.tenant) return query.tenant;
        if (query.connectorId) return store.getConnector(query.connectorId)?.tenant;
        return "all";
      }
      case "action": {
        if (own) return own;
        if (typeof body?.tenant === "string") return body.tenant;
        if (typeof body?.connectorId === "string") return store.getConnector(body.connectorId)?.tenant;
        return "all";
      }
    }
  }

  /** The URL of the instance that answers for `tenant` (this one's own for a tenant nobody runs). */
  function urlFor(tenant: string): string {
    if (cluster.owns(tenant)) return o.selfUrl();
    const owner = cluster.ownerOf(tenant);
    if (owner?.url) return owner.url;
    return o.selfUrl();
  }

  const withQuery = (path: string, q: Query) => {
    const s = new URLSearchParams(Object.entries(q).filter((e): e is [string, string] => e[1] !== undefined));
    return `${path}?${s.toString()}`;
  };

  /** An admin's request over every tenant, asked of each tenant's owner and merged. */
  async function gather(request: FastifyRequest, reply: FastifyReply, key: string): Promise<FastifyReply> {
    const tenants = store.listTenants().map((t) => t.id);
    const path = request.routeOptions.url ?? "";
    const query = { ...((request.query ?? {}) as Query) };
    const body = (request.body ?? {}) as Record<string, unknown>;
    const self = cluster.instanceId;
    const ask = async <T>(tenant: string, variant: { url?: string; body?: unknown }): Promise<T | undefined> => {
      const r = await callPeer(urlFor(tenant), request, self, variant);
      // A tenant nobody runs right now has no live data to add (it is being taken over).
      if (r.status === 404 || r.status === 503) return undefined;
      return peerJson<T>(r);
    };
    switch (key) {
      case "GET /api/connectors": {
        const parts = await Promise.all(tenants.map((t) => ask<ConnectorView[]>(t, { url: withQuery(path, { ...query, tenant: t }) })));
        const all = parts.flatMap((p) => p ?? []);
        all.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
        return reply.send(all);
      }
      case "GET /api/tenants": {
        const parts = await Promise.all(tenants.map((t) => ask<TenantView>(t, { url: `/api/tenants/${encodeURIComponent(t)}` })));
        return reply.send(parts.filter((p): p is TenantView => p !== undefined));
      }
      case "GET /api/endpoints": {
        const offset = Math.max(0, Number(query.offset ?? 0));
        const limit = Math.max(1, Math.min(500, Number(query.limit ?? 50)));
        // Each owner's first offset+limit rows in list order, merged: the page of the whole list.
        const want = offset + limit;
        const pages = await Promise.all(
          tenants.map(async (t) => {
            const items: EndpointView[] = [];
            let total = 0;
            for (let at = 0; at < want; at += 500) {
              const p = await ask<Page<EndpointView>>(t, {
                url: withQuery(path, { ...query, tenant: t, offset: String(at), limit: String(Math.min(500, want - at)) }),
              });
              if (!p) break;
              total = p.total;
              items.push(...p.items);
              if (items.length >= p.total) break;
            }
            return { items, total };
          }),
        );
        const rows = pages.flatMap((p) => p.items);
        rows.sort((a, b) =>
          byListOrder(
            { displayName: a.displayName, id: a.id } as never,
            { displayName: b.displayName, id: b.id } as never,
          ),
        );
        return reply.send({
          items: rows.slice(offset, offset + limit),
          total: pages.reduce((n, p) => n + p.total, 0),
          offset,
          limit,
        });
      }
      case "POST /api/endpoints/bulk-enable": {
        const ids = Array.isArray(body.ids) ? (body.ids as string[]) : undefined;
        let updated = 0;
        if (ids) {
          const byTenant = new Map<string, string[]>();
          for (const id of ids) {
            const t = await store.endpointTenant(id);
            if (t) byTenant.set(t, [...(byTenant.get(t) ?? []), id]);
          }
          for (const [t, list] of byTenant) updated += (await ask<{ updated: number }>(t, { body: { ...body, ids: list } }))?.updated ?? 0;
        } else {
          for (const t of tenants) updated += (await ask<{ updated: number }>(t, { body: { ...body, tenant: t } }))?.updated ?? 0;
        }
        return reply.send({ updated });
      }
      case "POST /api/endpoints/rematch": {
        const sum: RematchResult = { matched: 0, unmatched: 0, changed: 0 };
        for (const c of store.listConnectors()) {
          const r = await ask<RematchResult>(c.tenant, { body: { connectorId: c.id } });
          if (!r) continue;
          sum.matched += r.matched;
          sum.unmatched += r.unmatched;
          sum.changed += r.changed;
        }
        return reply.send(sum);
      }
    }
    throw new HubError("INTERNAL", `no way to gather ${key}`);
  }

  return {
    async preHandler(request, reply) {
      // Handed on by a peer: answered here, whatever this instance runs (never handed on twice).
      if (request.headers[HOP_HEADER]) return undefined;
      const key = `${request.method} ${request.routeOptions.url}`;
      const placement = ROUTE_PLACEMENT[key] ?? "any";
      const tenant = await tenantOf(request, placement);
      if (tenant === undefined) return undefined; // nothing tenant-specific, or an unknown id (404 here)
      if (tenant === "all") {
        // Every tenant runs here (or there is only this instance): the local answer is the whole answer.
        if (store.listTenants().every((t) => cluster.owns(t.id))) return undefined;
        return gather(request, reply, key);
      }
      if (!store.getTenant(tenant) || cluster.owns(tenant)) return undefined;
      const owner = cluster.ownerOf(tenant) ?? (await cluster.freshOwnerOf(tenant));
      if (!owner?.url) {
        throw new HubError("NO_OWNER", `tenant ${tenant} is not running on any instance right now (being taken over); try again in a few seconds`, {
          details: { retryAfterSeconds: 2 },
        });
      }
      return sendPeerReply(reply, await callPeer(owner.url, request, cluster.instanceId));
    },
  };
}
