// JSON Schemas of every hub input (connectors, Microsoft 365 settings, endpoints). The hub validates with
// them (ajv) and the admin API reuses them as fastify route body schemas, so both reject the same input
// with the same message.
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import addFormatsImport from "ajv-formats";
import { HubError } from "../../common/errors.js";

const hostname = { type: "string", maxLength: 253, pattern: "^[^\\s/:@]+$|^\\[[0-9a-fA-F:.]+\\]$" } as const;

export const pbxConnectorConfigInputSchema = {
  $id: "PbxConnectorConfigInput",
  type: "object",
  additionalProperties: false,
  properties: {
    server: { ...hostname, description: "PBX host name or IP address" },
    port: { type: "integer", minimum: 1, maximum: 65535 },
    protocol: { type: "string", enum: ["ws", "wss"] },
    username: { type: "string", maxLength: 128, description: "App object name" },
    password: { type: "string", maxLength: 256, description: "App object password (write-only)" },
    defaultDestination: { type: "string", maxLength: 64, pattern: "^[0-9*#+]*$" },
    modulePath: {
      type: "string",
      maxLength: 64,
      pattern: "^/?[A-Za-z0-9_.-]+/?$",
      description: "PBX module, e.g. PBX0",
    },
    tls: {
      type: "object",
      additionalProperties: false,
      properties: {
        ca: { type: "string", maxLength: 65536 },
        insecure: { type: "boolean" },
      },
    },
  },
} as const;

const idPattern = "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$";

export const connectorCreateSchema = {
  $id: "ConnectorCreateInput",
  type: "object",
  additionalProperties: false,
  required: ["type", "name"],
  properties: {
    type: { type: "string", pattern: idPattern },
    name: { type: "string", minLength: 1, maxLength: 100 },
    description: { type: "string", maxLength: 1000 },
    enabled: { type: "boolean" },
    config: pbxConnectorConfigInputSchema,
  },
} as const;

export const connectorUpdateSchema = {
  $id: "ConnectorUpdateInput",
  type: "object",
  additionalProperties: false,
  properties: {
    name: { type: "string", minLength: 1, maxLength: 100 },
    description: { type: "string", maxLength: 1000 },
    enabled: { type: "boolean" },
    config: pbxConnectorConfigInputSchema,
  },
} as const;

export const connectorTestSchema = {
  $id: "ConnectorTestInput",
  type: "object",
  additionalProperties: false,
  properties: {
    id: { type: "string", maxLength: 64 },
    type: { type: "string", pattern: idPattern },
    config: pbxConnectorConfigInputSchema,
  },
} as const;

const httpUrl = { type: "string", maxLength: 2048, pattern: "^https?://[^\\s]+$" } as const;

export const teamsSettingsInputSchema = {
  $id: "TeamsSettingsInput",
  type: "object",
  additionalProperties: false,
  properties: {
    tenantId: { type: "string", maxLength: 128, pattern: "^[A-Za-z0-9.-]*$" },
    clientId: { type: "string", maxLength: 128, pattern: "^[A-Za-z0-9-]*$" },
    clientSecret: { type: "string", maxLength: 1024 },
    authorityUrl: httpUrl,
    graphUrl: httpUrl,
    caPem: { type: ["string", "null"], maxLength: 65536 },
    webhookBaseUrl: { anyOf: [httpUrl, { type: "null" }, { type: "string", maxLength: 0 }] },
    pollIntervalSeconds: { type: "integer", minimum: 5, maximum: 3600 },
    sessionExpirationSeconds: { type: "integer", minimum: 300, maximum: 14400 },
    enabled: { type: "boolean" },
  },
} as const;

export const endpointUpdateSchema = {
  $id: "EndpointUpdateInput",
  type: "object",
  additionalProperties: false,
  properties: {
    enabled: { type: "boolean" },
    teamsUserId: { type: ["string", "null"], maxLength: 128 },
    match: { type: "string", enum: ["auto"] },
  },
} as const;

export const endpointBulkEnableSchema = {
  $id: "EndpointBulkEnableInput",
  type: "object",
  additionalProperties: false,
  required: ["enabled"],
  properties: {
    enabled: { type: "boolean" },
    ids: { type: "array", maxItems: 100000, items: { type: "string", maxLength: 64 } },
    connectorId: { type: "string", maxLength: 64 },
    search: { type: "string", maxLength: 200 },
  },
} as const;

export const serviceAccountCompleteSchema = {
  $id: "ServiceAccountCompleteInput",
  type: "object",
  additionalProperties: false,
  required: ["state", "code"],
  properties: { state: { type: "string", maxLength: 512 }, code: { type: "string", maxLength: 8192 } },
} as const;

/** All input schemas, by $id (for fastify `addSchema` or OpenAPI components). */
export const hubSchemas = {
  PbxConnectorConfigInput: pbxConnectorConfigInputSchema,
  ConnectorCreateInput: connectorCreateSchema,
  ConnectorUpdateInput: connectorUpdateSchema,
  ConnectorTestInput: connectorTestSchema,
  TeamsSettingsInput: teamsSettingsInputSchema,
  EndpointUpdateInput: endpointUpdateSchema,
  EndpointBulkEnableInput: endpointBulkEnableSchema,
  ServiceAccountCompleteInput: serviceAccountCompleteSchema,
} as const;

// ajv-formats is CJS with a default export; NodeNext sees the module object.
const addFormats = addFormatsImport as unknown as (ajv: Ajv) => Ajv;
const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv);
const compiled = new Map<string, ValidateFunction>();

/** "config.port must be <= 65535; name must NOT have fewer than 1 characters" (ajv's JSON-schema messages). */
export function formatAjvErrors(errors: ErrorObject[] | null | undefined): string {
  if (!errors || errors.length === 0) return "invalid input";
  return errors
    .map((e) => {
      const path = e.instancePath.replace(/^\//, "").replace(/\//g, ".");
      if (e.keyword === "additionalProperties") {
        const extra = (e.params as { additionalProperty?: string }).additionalProperty;
        return `${path ? `${path}: ` : ""}unknown property "${extra}"`;
      }
      return `${path || "body"} ${e.message ?? "is invalid"}`;
    })
    .join("; ");
}

/** Validate `input` against one of the schemas above; throws HubError("VALIDATION") with ajv's messages. */
export function validateInput<T>(schema: { $id: string }, input: unknown): T {
  let validate = compiled.get(schema.$id);
  if (!validate) {
    validate = ajv.compile(schema);
    compiled.set(schema.$id, validate);
  }
  if (!validate(input)) {
    const message = formatAjvErrors(validate.errors);
    throw new HubError("VALIDATION", message, { details: { errors: validate.errors ?? [] } });
  }
  return input as T;
}
