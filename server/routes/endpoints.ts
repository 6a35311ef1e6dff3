// Endpoint admin API: server-side search and paging (stays fast with thousands of users), manual mapping,
// enable/disable (single and bulk), rematch by e-mail, and the per-user timeline of decisions.
import type { FastifyInstance } from "fastify";
import { EndpointBulkEnableInput, EndpointUpdateInput } from "../hub/schemas.js";
import type { EndpointListQuery } from "../hub/types.js";
import { errorSchema, idParams, inline, pagingQuery, tenantQuery } from "./schemas.js";

const tags = ["endpoints"];
const errors = { 400: errorSchema, 404: errorSchema };

/** Every route uses `request.hub`: the hub scoped to the caller (a tenant admin sees its tenant's only). */
export async function endpointRoutes(app: FastifyInstance): Promise<void> {
  app.get<{ Querystring: EndpointListQuery }>(
    "/api/endpoints",
    {
      schema: {
        tags,
        summary: "Search endpoints (name, e-mail, extension), one page at a time (a tenant admin: its tenant's)",
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: {
            ...tenantQuery,
            search: { type: "string", maxLength: 200 },
            connectorId: { type: "string", maxLength: 64 },
            enabled: { type: "boolean" },
            matched: { type: "boolean" },
            ...pagingQuery,
          },
        },
        response: { ...errors },
      },
    },
    async (request) => request.hub.endpoints.list(request.query),
  );

  app.get<{ Params: { id: string } }>(
    "/api/endpoints/:id",
    {
      schema: {
        tags,
        summary: "One endpoint with both sides' presence, desired vs acknowledged and warnings",
        params: idParams,
        response: errors,
      },
    },
    async (request) => request.hub.endpoints.get(request.params.id),
  );

  app.patch<{ Params: { id: string }; Body: EndpointUpdateInput }>(
    "/api/endpoints/:id",
    {
      schema: {
        tags,
        summary: "Enable/disable, map manually (teamsUserId) or back to automatic matching (match: auto)",
        params: idParams,
        body: inline(EndpointUpdateInput),
        response: errors,
      },
    },
    async (request) => request.hub.endpoints.update(request.params.id, request.body),
  );

  app.post<{ Body: EndpointBulkEnableInput }>(
    "/api/endpoints/bulk-enable",
    {
      schema: {
        tags,
        summary: "Enable or disable many endpoints (ids, or a connector/search filter)",
        body: inline(EndpointBulkEnableInput),
        response: { 200: { type: "object", properties: { updated: { type: "integer" } } }, ...errors },
      },
    },
    async (request) => request.hub.endpoints.bulkEnable(request.body),
  );

  app.post<{ Body: { connectorId?: string } }>(
    "/api/endpoints/rematch",
    {
      schema: {
        tags,
        summary: "Re-match PBX users to Teams users by e-mail (manual mappings are kept)",
        body: {
          type: "object",
          additionalProperties: false,
          properties: { connectorId: { type: "string", maxLength: 64 } },
        },
        response: {
          200: {
            type: "object",
            properties: {
              matched: { type: "integer" },
              unmatched: { type: "integer" },
              changed: { type: "integer" },
            },
          },
          ...errors,
        },
      },
    },
    async (request) => request.hub.endpoints.rematch(request.body?.connectorId),
  );

  app.get<{ Params: { id: string }; Querystring: { beforeId?: number; limit?: number } }>(
    "/api/endpoints/:id/timeline",
    {
      schema: {
        tags,
        summary: "The endpoint's events and decisions with their reasons, newest first",
        params: idParams,
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: {
            beforeId: { type: "integer", minimum: 1 },
            limit: { type: "integer", minimum: 1, maximum: 1000 },
          },
        },
        response: errors,
      },
    },
    async (request) => {
      request.hub.endpoints.get(request.params.id); // 404 for an unknown endpoint rather than an empty list
      return request.hub.events.list({ endpointId: request.params.id, ...request.query });
    },
  );
}
