// PBX connector admin API: list/create/edit/delete, enable/disable, Configure (save config), Test (with
// unsaved settings, secrets kept server-side), Refresh. Secrets are write-only: views carry `<field>Set` only.
import type { FastifyInstance } from "fastify";
import {
  ConnectorCreateInput,
  ConnectorUpdateInput,
  type PbxConnectorConfigInput,
  PbxConnectorConfigInputSchema,
} from "../hub/pbx-modules.js";
import {
  connectorViewSchema,
  errorSchema,
  idParams,
  inline,
  tenantQuery,
  testResultSchema,
} from "./schemas.js";

const tags = ["connectors"];
const errors = { 400: errorSchema, 404: errorSchema };
const configOnly = {
  type: "object",
  additionalProperties: false,
  properties: { config: inline(PbxConnectorConfigInputSchema) },
} as const;
const testNew = {
  type: "object",
  additionalProperties: false,
  required: ["type"],
  properties: {
    type: { type: "string", minLength: 1, maxLength: 64 },
    config: inline(PbxConnectorConfigInputSchema),
  },
} as const;

type IdParams = { Params: { id: string } };

/** Every route uses `request.hub`: the hub scoped to the caller (a tenant admin sees its tenant's only). */
export async function connectorRoutes(app: FastifyInstance): Promise<void> {
  app.get<{ Querystring: { tenant?: string } }>(
    "/api/connectors",
    {
      schema: {
        tags,
        summary: "List PBX connectors with live status (all, or one tenant's; a tenant admin: its own)",
        querystring: { type: "object", additionalProperties: false, properties: tenantQuery },
        response: { 200: { type: "array", items: connectorViewSchema }, ...errors },
      },
    },
    async (request) => request.hub.connectors.list({ tenant: request.query.tenant }),
  );

  app.post<{ Body: ConnectorCreateInput }>(
    "/api/connectors",
    {
      schema: {
        tags,
        summary: "Add Pbx: create a connector of a type (rule set id) with name and description (a tenant admin: in its tenant)",
        body: inline(ConnectorCreateInput),
        response: { 201: connectorViewSchema, ...errors },
      },
    },
    async (request, reply) => {
      const view = await request.hub.connectors.create(request.body);
      reply.code(201);
      return view;
    },
  );

  app.get<IdParams>(
    "/api/connectors/:id",
    {
      schema: {
        tags,
        summary: "One connector",
        params: idParams,
        response: { 200: connectorViewSchema, ...errors },
      },
    },
    async (request) => request.hub.connectors.get(request.params.id),
  );

  app.patch<IdParams & { Body: ConnectorUpdateInput }>(
    "/api/connectors/:id",
    {
      schema: {
        tags,
        summary: "Edit name/description/enabled and/or save configuration (merged; omitted password = keep)",
        params: idParams,
        body: inline(ConnectorUpdateInput),
        response: { 200: connectorViewSchema, ...errors },
      },
    },
    async (request) => request.hub.connectors.update(request.params.id, request.body),
  );

  app.put<IdParams & { Body: PbxConnectorConfigInput }>(
    "/api/connectors/:id/config",
    {
      schema: {
        tags,
        summary:
          "Save the Configure popup (the vendor's settings and the default destination; omitted secret = keep)",
        params: idParams,
        body: inline(PbxConnectorConfigInputSchema),
        response: { 200: connectorViewSchema, ...errors },
      },
    },
    async (request) => request.hub.connectors.update(request.params.id, { config: request.body }),
  );

  app.delete<IdParams>(
    "/api/connectors/:id",
    {
      schema: {
        tags,
        summary: "Delete (undoes what the hub set through it first)",
        params: idParams,
        response: { 204: { type: "null" }, ...errors },
      },
    },
    async (request, reply) => {
      await request.hub.connectors.remove(request.params.id);
      reply.code(204);
    },
  );

  for (const action of ["enable", "disable"] as const) {
    app.post<IdParams>(
      `/api/connectors/:id/${action}`,
      {
        schema: {
          tags,
          summary:
            action === "enable" ? "Enable (connects)" : "Disable (undoes what the hub set, then disconnects)",
          params: idParams,
          response: { 200: connectorViewSchema, ...errors },
        },
      },
      async (request) => request.hub.connectors.setEnabled(request.params.id, action === "enable"),
    );
  }

  app.post<IdParams & { Body: { config?: PbxConnectorConfigInput } }>(
    "/api/connectors/:id/test",
    {
      schema: {
        tags,
        summary:
          "Test: the saved settings with unsaved changes merged on top (stored password used when omitted)",
        params: idParams,
        body: configOnly,
        response: { 200: testResultSchema, ...errors },
      },
    },
    async (request) => request.hub.connectors.test({ id: request.params.id, config: request.body?.config }),
  );

  app.post<{ Body: { type: string; config?: PbxConnectorConfigInput } }>(
    "/api/connectors/test",
    {
      schema: {
        tags,
        summary: "Test settings of a connector that is not saved yet",
        body: testNew,
        response: { 200: testResultSchema, ...errors },
      },
    },
    async (request) => request.hub.connectors.test({ type: request.body.type, config: request.body.config }),
  );

  app.post<IdParams>(
    "/api/connectors/:id/refresh",
    {
      schema: {
        tags,
        summary: "Refresh: reconnect and return the status",
        params: idParams,
        response: { 200: connectorViewSchema, ...errors },
      },
    },
    async (request) => request.hub.connectors.refresh(request.params.id),
  );
}
