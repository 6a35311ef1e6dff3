// Route-level JSON Schemas: the hub's input schemas (reused without $id so fastify can embed them in many
// routes), params/query schemas, and response schemas for views that sit next to secrets (a connector's
// config composed from the installed vendor modules, hub/pbx-modules.ts). A response schema lists fields
// explicitly, so fast-json-stringify drops anything unlisted: a second line of defence that a password or
// client secret can never be serialized even if a view carried one by mistake.
import { connectorConfigViewSchema } from "../hub/pbx-modules.js";

/** Deep copy without `$id` keys (fastify compiles every route schema into one ajv; ids would collide). */
export function inline<T>(schema: T): T {
  if (Array.isArray(schema)) return schema.map((x) => inline(x)) as T;
  if (schema && typeof schema === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(schema)) if (k !== "$id") out[k] = inline(v);
    return out as T;
  }
  return schema;
}

export const errorSchema = {
  type: "object",
  properties: {
    code: { type: "string" },
    message: { type: "string" },
    details: { type: "object", additionalProperties: true },
  },
} as const;

export const idParams = {
  type: "object",
  additionalProperties: false,
  required: ["id"],
  properties: { id: { type: "string", minLength: 1, maxLength: 64 } },
} as const;

export const statusSchema = {
  type: "object",
  properties: {
    state: { type: "string" },
    reason: { type: "string" },
    since: { type: "string" },
    retryAt: { type: "string" },
  },
} as const;

export const testResultSchema = {
  type: "object",
  properties: {
    ok: { type: "boolean" },
    summary: { type: "string" },
    steps: {
      type: "array",
      items: {
        type: "object",
        properties: {
          step: { type: "string" },
          ok: { type: "boolean" },
          level: { type: "string" },
          message: { type: "string" },
        },
      },
    },
  },
} as const;

export const connectorViewSchema = {
  type: "object",
  properties: {
    id: { type: "string" },
    tenant: { type: "string" },
    type: { type: "string" },
    name: { type: "string" },
    description: { type: "string" },
    enabled: { type: "boolean" },
    config: connectorConfigViewSchema(),
    createdAt: { type: "string" },
    updatedAt: { type: "string" },
    status: statusSchema,
    counts: {
      type: "object",
      properties: {
        users: { type: "integer" },
        endpoints: { type: "integer" },
        enabledEndpoints: { type: "integer" },
        matchedEndpoints: { type: "integer" },
      },
    },
    ruleSet: {
      type: ["object", "null"],
      properties: { id: { type: "string" }, title: { type: "string" }, revision: { type: "integer" } },
    },
  },
} as const;

export const teamsSettingsViewSchema = {
  type: "object",
  properties: {
    configured: { type: "boolean" },
    enabled: { type: "boolean" },
    tenantId: { type: "string" },
    clientId: { type: "string" },
    clientSecretSet: { type: "boolean" },
    authorityUrl: { type: "string" },
    graphUrl: { type: "string" },
    caPem: { type: "string" },
    webhookBaseUrl: { type: "string" },
    effectiveWebhookBaseUrl: { type: ["string", "null"] },
    webhookBaseUrlSource: { type: "string", enum: ["settings", "publicUrl", "none"] },
    pollIntervalSeconds: { type: "integer" },
    sessionExpirationSeconds: { type: "integer" },
    serviceAccounts: {
      type: "array",
      items: {
        type: "object",
        properties: {
          id: { type: "string" },
          upn: { type: "string" },
          status: { type: "string" },
          reason: { type: "string" },
          addedAt: { type: "string" },
        },
      },
    },
    status: statusSchema,
    updatedAt: { type: ["string", "null"] },
  },
} as const;

export const pagingQuery = {
  offset: { type: "integer", minimum: 0, maximum: 10_000_000 },
  limit: { type: "integer", minimum: 1, maximum: 500 },
} as const;

export const tenantViewSchema = {
  type: "object",
  properties: {
    id: { type: "string" },
    name: { type: "string" },
    createdAt: { type: "string" },
    updatedAt: { type: "string" },
    teams: {
      type: "object",
      properties: { configured: { type: "boolean" }, state: { type: "string" }, reason: { type: "string" } },
    },
    counts: {
      type: "object",
      properties: {
        connectors: { type: "integer" },
        connectorsOnline: { type: "integer" },
        endpoints: { type: "integer" },
        matchedEndpoints: { type: "integer" },
      },
    },
  },
} as const;

/** `?tenant=` of the list routes: only that tenant's items. */
export const tenantQuery = { tenant: { type: "string", maxLength: 64 } } as const;
