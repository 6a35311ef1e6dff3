// Admin API of the rule registry: the connector types (one per rule set), the active rules of one type
// (composed with its fragments, each entry with the file it came from) with its decision table and
// reload status, and "explain" for one input. JSON Schema on every route.
import type { FastifyPluginAsync, FastifyReply } from "fastify";
import type { ExplainInput } from "../../engine/rules/explain.js";
import type { RuleRegistry, RuleTypeStatus } from "../../engine/rules/registry.js";

export interface ConnectorTypesRoutesOptions {
  registry: RuleRegistry;
}

const diagnosticSchema = {
  type: "object",
  properties: {
    file: { type: "string" },
    line: { type: "integer" },
    column: { type: "integer" },
    path: {
      type: "string",
      description: "JSON path into the rule set, e.g. $.teamsToPbx.rules[0].then.activity",
    },
    message: { type: "string" },
    code: { type: "string" },
    severity: { type: "string", enum: ["error", "warning"] },
    at: { type: "string", description: "When the error was recorded (ISO)" },
    formatted: { type: "string", description: "file:line:column message" },
  },
} as const;

const nullableDiagnostic = { anyOf: [{ type: "null" }, diagnosticSchema] } as const;

const originSchema = {
  type: "object",
  description: "Where an entry was written: file relative to the rules directory, fragment name if from one",
  properties: {
    file: { type: "string" },
    fragment: { type: "string" },
    line: { type: "integer" },
    column: { type: "integer" },
  },
} as const;

const compositionSchema = {
  type: "object",
  description:
    "How the rule set is composed: the fragments it extends (merged in this order) and, parallel to rules.teamsToPbx.rules, rules.pbxToTeams.rules and rules.tests, where each entry came from",
  properties: {
    extend: { type: "array", items: { type: "string" } },
    fragments: {
      type: "array",
      items: {
        type: "object",
        properties: { name: { type: "string" }, file: { type: "string" }, description: { type: "string" } },
      },
    },
    origins: {
      type: "object",
      properties: {
        teamsToPbx: { type: "array", items: originSchema },
        pbxToTeams: { type: "array", items: originSchema },
        tests: { type: "array", items: originSchema },
        cfb: { anyOf: [{ type: "null" }, originSchema] },
        words: { type: "object", additionalProperties: originSchema },
      },
    },
  },
} as const;

const statusProps = {
  id: { type: "string" },
  title: { type: "string" },
  description: { type: "string" },
  i18n: {
    type: "object",
    description: "The title and description in other UI languages, by language code (rule set `i18n`)",
    additionalProperties: {
      type: "object",
      properties: { title: { type: "string" }, description: { type: "string" } },
    },
  },
  adapter: { type: "string" },
  revision: { type: "integer", description: "0 while no version of the file ever loaded" },
  status: {
    type: "string",
    enum: ["ok", "invalid", "missing"],
    description:
      "ok = the file on disk is served; invalid = the file has errors (last good revision served); missing = file deleted",
  },
  active: { type: "boolean", description: "Whether a rule set of this type is served" },
  hash: { anyOf: [{ type: "null" }, { type: "string" }] },
  loadedAt: { anyOf: [{ type: "null" }, { type: "string" }] },
  fileMissing: { type: "boolean" },
  lastError: nullableDiagnostic,
  fragments: {
    type: "array",
    items: { type: "string" },
    description:
      "Fragments (rules/fragments/<name>.yaml) the last load reached; editing one reloads this type",
  },
} as const;

const errorBody = {
  type: "object",
  properties: {
    code: { type: "string" },
    message: { type: "string" },
    details: { type: "object", additionalProperties: true },
  },
  required: ["code", "message"],
} as const;

const idParams = {
  type: "object",
  properties: { id: { type: "string", pattern: "^[a-z0-9][a-z0-9-]{0,62}$" } },
  required: ["id"],
} as const;

const decisionTableSchema = {
  type: "object",
  properties: {
    teamsToPbx: {
      type: "array",
      items: {
        type: "object",
        properties: {
          availability: { type: "string" },
          activity: { type: "string" },
          outOfOffice: { type: "boolean" },
          decision: {
            type: "object",
            properties: {
              rule: { type: "string" },
              activity: { type: "string" },
              note: { type: "string" },
              cfb: { type: "string" },
            },
          },
        },
      },
    },
    pbxToTeams: {
      type: "array",
      items: {
        type: "object",
        properties: {
          callState: { type: "string" },
          activity: { type: "string" },
          decision: {
            type: "object",
            properties: {
              rule: { type: "string" },
              presence: {
                anyOf: [
                  { type: "null" },
                  {
                    type: "object",
                    properties: { availability: { type: "string" }, activity: { type: "string" } },
                  },
                ],
              },
            },
          },
        },
      },
    },
  },
} as const;

/** The rule set's `i18n` block (rules/schema.json): title and description per language code. */
type RuleSetTranslations = Record<string, { title?: string; description?: string }>;

function summary(registry: RuleRegistry, s: RuleTypeStatus) {
  const rs = registry.get(s.id);
  return {
    id: s.id,
    title: rs?.title ?? s.id,
    description: rs?.description ?? "",
    i18n: ((rs?.doc as { i18n?: RuleSetTranslations } | undefined)?.i18n ?? {}) as RuleSetTranslations,
    adapter: rs?.adapter ?? "",
    revision: s.revision,
    status: s.state,
    active: s.active,
    hash: s.hash,
    loadedAt: s.loadedAt,
    fileMissing: s.fileMissing,
    lastError: s.lastError,
    fragments: s.fragments,
  };
}

function notFound(reply: FastifyReply, id: string, registry: RuleRegistry) {
  const st = registry.status(id);
  reply.code(404);
  return {
    code: "RULES_UNKNOWN_TYPE",
    message: st?.lastError
      ? `connector type "${id}" has no valid version yet: ${st.lastError.formatted}`
      : `unknown connector type "${id}"`,
  };
}

export const connectorTypesRoutes: FastifyPluginAsync<ConnectorTypesRoutesOptions> = async (app, opts) => {
  const { registry } = opts;

  app.get(
    "/api/connector-types",
    {
      schema: {
        tags: ["connector-types"],
        summary: "Connector types (one per rule set) with their reload status",
        response: {
          200: { type: "array", items: { type: "object", properties: statusProps } },
        },
      },
    },
    async () => registry.list().map((s) => summary(registry, s)),
  );

  app.get<{ Params: { id: string } }>(
    "/api/connector-types/:id/rules",
    {
      schema: {
        tags: ["connector-types"],
        summary: "Active rules of one connector type, its decision table, source and reload status",
        params: idParams,
        response: {
          200: {
            type: "object",
            properties: {
              ...statusProps,
              file: { type: "string" },
              errors: { type: "array", items: diagnosticSchema },
              warnings: { type: "array", items: diagnosticSchema },
              source: {
                type: "string",
                description:
                  "YAML source of the active revision (the set's own file; fragments: see composition)",
              },
              rules: {
                type: "object",
                description:
                  "The active rule set as resolved: the set's own entries merged with its fragments' (teamsToPbx, pbxToTeams, cfb, words, tests)",
                additionalProperties: true,
              },
              composition: compositionSchema,
              cfb: {
                type: "object",
                properties: {
                  fallback: { type: "array", items: { type: "string" } },
                  restore: { type: "boolean" },
                },
              },
              table: decisionTableSchema,
            },
          },
          404: errorBody,
        },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const rs = registry.get(id);
      const st = registry.status(id);
      if (!rs || !st) return notFound(reply, id, registry);
      return {
        ...summary(registry, st),
        file: st.file,
        errors: st.errors,
        warnings: st.warnings,
        source: rs.source,
        rules: {
          teamsToPbx: rs.doc.teamsToPbx,
          pbxToTeams: rs.doc.pbxToTeams,
          cfb: rs.doc.cfb,
          words: rs.doc.words ?? {},
          tests: rs.doc.tests,
        },
        composition: rs.composition,
        cfb: rs.cfb,
        table: rs.tables,
      };
    },
  );

  app.post<{ Params: { id: string }; Body: ExplainInput }>(
    "/api/connector-types/:id/explain",
    {
      schema: {
        tags: ["connector-types"],
        summary: "Explain which rule decides an input and why the rules tried before it did not match",
        params: idParams,
        body: {
          type: "object",
          additionalProperties: false,
          minProperties: 1,
          properties: {
            teams: {
              type: "object",
              additionalProperties: false,
              required: ["availability", "activity"],
              properties: {
                availability: { type: "string", maxLength: 64 },
                activity: { type: "string", maxLength: 64 },
                outOfOffice: { type: "boolean" },
              },
            },
            pbx: {
              type: "object",
              additionalProperties: false,
              required: ["callState"],
              properties: {
                callState: { type: "string", maxLength: 32 },
                activity: { type: "string", maxLength: 64 },
              },
            },
          },
        },
        response: {
          200: {
            type: "object",
            properties: {
              id: { type: "string" },
              revision: { type: "integer" },
              hash: { type: "string" },
              teamsToPbx: { type: "object", additionalProperties: true },
              pbxToTeams: { type: "object", additionalProperties: true },
            },
          },
          404: errorBody,
        },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      if (!registry.get(id)) return notFound(reply, id, registry);
      return registry.explain(id, request.body);
    },
  );
};
