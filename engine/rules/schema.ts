// Structural validation of a parsed rule set against rules/schema.json, or of a fragment against
// rules/fragment.schema.json (which $refs the set schema's definitions); ajv with all errors, every ajv
// error turned into a plain-language diagnostic at the YAML position of the offending node.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import { packageRoot } from "../../common/paths.js";
import type { RuleDiagnostic } from "./diagnostics.js";
import { diagAt, type ParsedSource, type PathSegment } from "./yaml-source.js";

/** The schemas always come from the package, not from the watched directory (a temp copy may lack them). */
export const schemaFile = join(packageRoot, "rules", "schema.json");
export const fragmentSchemaFile = join(packageRoot, "rules", "fragment.schema.json");

export type SchemaKind = "set" | "fragment";

let compiled: Record<SchemaKind, ValidateFunction> | undefined;

function validator(kind: SchemaKind): ValidateFunction {
  if (!compiled) {
    const set = JSON.parse(readFileSync(schemaFile, "utf8")) as object;
    const fragment = JSON.parse(readFileSync(fragmentSchemaFile, "utf8")) as object;
    const ajv = new Ajv({ allErrors: true, strict: false });
    // The fragment schema has no $id (so editors resolve its "./schema.json#/…" refs next to the file);
    // registering the set schema under that relative key lets ajv resolve them the same way.
    ajv.addSchema(set, "schema.json");
    compiled = { set: ajv.getSchema("schema.json")!, fragment: ajv.compile(fragment) };
  }
  return compiled[kind];
}

function segments(instancePath: string): PathSegment[] {
  if (instancePath === "") return [];
  return instancePath
    .slice(1)
    .split("/")
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

const FACT_HINT: Record<string, string> = {
  teamsToPbx: "availability, activity, outOfOffice",
  pbxToTeams: "callState, activity",
};

export function validateSchema(src: ParsedSource, kind: SchemaKind = "set"): RuleDiagnostic[] {
  const validate = validator(kind);
  if (validate(src.value)) return [];
  const errors = (validate.errors ?? []) as ErrorObject[];
  // anyOf reports one error per branch plus its own; keep only the summary for those paths.
  const anyOfPaths = new Set(errors.filter((e) => e.keyword === "anyOf").map((e) => e.instancePath));
  const out: RuleDiagnostic[] = [];
  const seen = new Set<string>();
  for (const e of errors) {
    if (e.keyword !== "anyOf" && [...anyOfPaths].some((p) => e.instancePath.startsWith(p))) continue;
    const path = segments(e.instancePath);
    const d = toDiagnostic(src, path, e, kind);
    const k = `${d.line}:${d.column}:${d.message}`;
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(d);
  }
  return out;
}

function toDiagnostic(
  src: ParsedSource,
  path: PathSegment[],
  e: ErrorObject,
  kind: SchemaKind,
): RuleDiagnostic {
  const where = describe(path, kind);
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case "additionalProperty":
    case "additionalProperties": {
      const prop = String(params.additionalProperty);
      const at = [...path, prop];
      const parent = path[path.length - 1];
      if (parent === "when") {
        const dir = String(path[0]);
        return diagAt(
          src,
          at,
          `unknown fact "${prop}" in ${where} (known facts: ${FACT_HINT[dir] ?? "see schema"})`,
          "RULES_SCHEMA",
          { key: true },
        );
      }
      return diagAt(src, at, `unknown property "${prop}" in ${where}`, "RULES_SCHEMA", { key: true });
    }
    case "required":
      return diagAt(
        src,
        path,
        `${where} is missing required property "${String(params.missingProperty)}"`,
        "RULES_SCHEMA",
      );
    case "enum": {
      const allowed = (params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(", ");
      return diagAt(
        src,
        path,
        `${where} has value ${JSON.stringify(valueAt(src.value, path))}, allowed: ${allowed}`,
        "RULES_SCHEMA",
      );
    }
    case "anyOf":
      return diagAt(src, path, `${where} must be a value or a list of values`, "RULES_SCHEMA");
    case "type":
      return diagAt(src, path, `${where} must be ${article(String(params.type))}`, "RULES_SCHEMA");
    case "pattern":
      return diagAt(
        src,
        path,
        `${where} ${JSON.stringify(valueAt(src.value, path))} does not match ${String(params.pattern)}`,
        "RULES_SCHEMA",
      );
    default:
      return diagAt(src, path, `${where} ${e.message ?? "is invalid"}`, "RULES_SCHEMA");
  }
}

function article(type: string): string {
  if (type === "array") return "a list";
  if (type === "object") return "a mapping";
  if (type === "integer") return "an integer";
  return `a ${type}`;
}

function describe(path: PathSegment[], kind: SchemaKind): string {
  if (path.length === 0) return kind === "set" ? "the rule set" : "the fragment";
  return path
    .map((s) => (typeof s === "number" ? `[${s}]` : s))
    .join(".")
    .replace(/\.\[/g, "[");
}

function valueAt(value: unknown, path: PathSegment[]): unknown {
  let v = value;
  for (const s of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<string | number, unknown>)[s];
  }
  return v;
}
