// Tenants (customers) admin API: list, create, rename, delete (which first undoes what the hub set for the
// tenant, like a connector delete). A tenant's Microsoft 365 settings are under
// /api/tenants/:tenant/teams (routes/teams.ts, mounted per tenant).
import type { FastifyInstance } from "fastify";
import { TenantCreateInput, TenantUpdateInput } from "../hub/schemas.js";
import { errorSchema, inline, tenantViewSchema } from "./schemas.js";

const tags = ["tenants"];
const errors = { 400: errorSchema, 403: errorSchema, 404: errorSchema, 409: errorSchema };
export const tenantParams = {
  type: "object",
  required: ["tenant"],
  properties: { tenant: { type: "string", maxLength: 64 } },
} as const;
type TenantParams = { Params: { tenant: string } };

/** Every route uses `request.hub`: a tenant admin sees its own tenant only and cannot add, rename or delete. */
export async function tenantRoutes(app: FastifyInstance): Promise<void> {
  app.get(
    "/api/tenants",
    {
      schema: {
        tags,
        summary: "Tenants with their Microsoft 365 status and counts (a tenant admin: its own only)",
        response: { 200: { type: "array", items: tenantViewSchema } },
      },
    },
    async (request) => request.hub.tenants.list(),
  );

  app.post<{ Body: TenantCreateInput }>(
    "/api/tenants",
    {
      schema: {
        tags,
        summary: "Add a tenant (customer); its id is made from the name unless given (admins only)",
        body: inline(TenantCreateInput),
        response: { 201: tenantViewSchema, ...errors },
      },
    },
    async (request, reply) => {
      const view = await request.hub.tenants.create(request.body);
      reply.code(201);
      return view;
    },
  );

  app.get<TenantParams>(
    "/api/tenants/:tenant",
    {
      schema: {
        tags,
        summary: "One tenant",
        params: tenantParams,
        response: { 200: tenantViewSchema, ...errors },
      },
    },
    async (request) => request.hub.tenants.get(request.params.tenant),
  );

  app.patch<TenantParams & { Body: TenantUpdateInput }>(
    "/api/tenants/:tenant",
    {
      schema: {
        tags,
        summary: "Rename a tenant (admins only)",
        params: tenantParams,
        body: inline(TenantUpdateInput),
        response: { 200: tenantViewSchema, ...errors },
      },
    },
    async (request) => request.hub.tenants.update(request.params.tenant, request.body),
  );

  app.delete<TenantParams>(
    "/api/tenants/:tenant",
    {
      schema: {
        tags,
        summary:
          "Delete a tenant: undo what the hub set through its connectors and Teams sessions first (admins only)",
        params: tenantParams,
        response: { 204: { type: "null" }, ...errors },
      },
    },
    async (request, reply) => {
      await request.hub.tenants.remove(request.params.tenant);
      reply.code(204);
    },
  );
}
