// POST /api/rule-sets/reload: re-read every rule set and the fragments it extends now — Alertmanager's
// `/-/reload` for the rules directory — and answer with each type's outcome. RuleRegistry.reloadAll is
// also what SIGHUP is to call (the start command wires that); the watcher reloads changed files itself.
// Mounted behind auth.
import type { FastifyPluginAsync } from "fastify";
import type { RuleRegistry } from "../../engine/rules/registry.js";

export interface RuleSetRoutesOptions {
  registry: RuleRegistry;
}

const resultSchema = {
  type: "object",
  required: ["id", "ok", "revision", "hash"],
  properties: {
    id: { type: "string", description: "Connector type (rule set file name)" },
    ok: { type: "boolean", description: "The file on disk, with its fragments, is what is served now" },
    revision: {
      type: "integer",
      description: "Active revision after the reload (the last good one on error; 0 = none)",
    },
    hash: {
      anyOf: [{ type: "null" }, { type: "string" }],
      description: "Config hash (sha256) of the active revision",
    },
    error: {
      type: "string",
      description: "First error, `file:line:column message` with paths relative to the rules directory",
    },
  },
} as const;

export const ruleSetRoutes: FastifyPluginAsync<RuleSetRoutesOptions> = async (app, opts) => {
  const { registry } = opts;
  app.post(
    "/api/rule-sets/reload",
    {
      schema: {
        tags: ["connector-types"],
        summary: "Reload every rule set and its fragments now",
        description:
          "Each type keeps its last good revision when its files are invalid; one failing type does not stop the others. Always 200: see `ok` per type.",
        response: {
          200: {
            type: "object",
            required: ["ok", "results"],
            properties: {
              ok: { type: "boolean", description: "Every type reloaded without error" },
              results: { type: "array", items: resultSchema },
            },
          },
        },
      },
    },
    async () => {
      const results = await registry.reloadAll();
      return { ok: results.every((r) => r.ok), results };
    },
  );
};
