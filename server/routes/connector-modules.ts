// Admin API of the installed PBX connector modules: per vendor its kind (= a rule set's `adapter`), title,
// the Configure form (the hub's own fields composed in), the defaults of a new connector, the secret
// fields and the JSON Schema of its `config`. The UI renders the Configure dialog from this, so a new
// vendor needs no UI change. Static: the list is what connectors/index.ts installs.
import type { FastifyInstance } from "fastify";
import { installedPbxModules } from "../hub/pbx-modules.js";

const formFieldSchema = {
  type: "object",
  properties: {
    key: { type: "string", description: "Dot path into the config, e.g. tls.ca" },
    label: { type: "string" },
    type: { type: "string", enum: ["text", "number", "password", "select", "checkbox", "textarea"] },
    help: { type: "string" },
    placeholder: { type: "string" },
    required: { type: "boolean" },
    options: {
      type: "array",
      items: { type: "object", properties: { value: { type: "string" }, label: { type: "string" } } },
    },
    section: { type: "string" },
    half: { type: "boolean" },
    min: { type: "number" },
    max: { type: "number" },
    inputmode: { type: "string" },
    autocomplete: { type: "string" },
    follows: {
      type: "object",
      properties: {
        key: { type: "string" },
        values: { type: "object", additionalProperties: { type: ["string", "number"] } },
      },
    },
  },
} as const;

const moduleSchema = {
  type: "object",
  properties: {
    kind: { type: "string", description: "The name rule sets give in their `adapter` field" },
    title: { type: "string" },
    address: { type: "string", description: "Server column template, e.g. {protocol}://{server}:{port}" },
    form: { type: "array", items: formFieldSchema },
    defaults: { type: "object", additionalProperties: true, description: "Config of a new connector" },
    secretFields: {
      type: "array",
      items: { type: "string" },
      description: "Write-only fields; views carry <field>Set instead",
    },
    configSchema: { type: "object", additionalProperties: true, description: "JSON Schema of `config`" },
  },
} as const;

export async function connectorModuleRoutes(app: FastifyInstance): Promise<void> {
  app.get(
    "/api/connector-modules",
    {
      schema: {
        tags: ["connectors"],
        summary: "Installed PBX vendors: Configure form, defaults, secret fields and config schema of each",
        response: { 200: { type: "array", items: moduleSchema } },
      },
    },
    async () =>
      installedPbxModules().map((m) => ({
        kind: m.module.kind,
        title: m.module.title,
        address: m.module.address,
        form: m.form,
        defaults: m.defaults,
        secretFields: m.module.secretFields,
        configSchema: m.configSchema,
      })),
  );
}
