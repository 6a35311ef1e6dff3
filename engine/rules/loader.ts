// The load pipeline for one rule-set file, side-effect free: parse (yaml + LineCounter) → ajv (all
// errors) → semantic checks → compile to json-rules-engine → decision tables → embedded tests. The
// result is either a ready CompiledRuleSet or the list of diagnostics; publishing is the registry's job.
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { basename, extname } from "node:path";
import { errorMessage, isHubError } from "../../common/errors.js";
import { compilePbxRules, compileTeamsRules } from "./compile.js";
import { type RuleDiagnostic, RuleSetLoadError } from "./diagnostics.js";
import type { RuleSetDoc } from "./document.js";
import { validateSchema } from "./schema.js";
import { runEmbeddedTests } from "./selftest.js";
import { checkSemantics } from "./semantic.js";
import { buildTables, CompiledRuleSet } from "./table.js";
import { parseSource } from "./yaml-source.js";

export type LoadResult =
  | { ok: true; ruleSet: CompiledRuleSet; warnings: RuleDiagnostic[] }
  | { ok: false; errors: RuleDiagnostic[]; warnings: RuleDiagnostic[]; hash: string };

export interface LoadOptions {
  /** Revision the rule set gets if it loads (the registry passes current + 1). */
  revision?: number;
  /** Id the file must declare; defaults to the file name without extension. */
  expectedId?: string;
  now?: () => Date;
}

export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

export function idFromFile(file: string): string {
  return basename(file, extname(file));
}

/** Load one rule set from source text. Never throws: every problem is a diagnostic. */
export async function loadRuleSetSource(
  file: string,
  source: string,
  opts: LoadOptions = {},
): Promise<LoadResult> {
  const hash = sha256(source);
  const fail = (errors: RuleDiagnostic[], warnings: RuleDiagnostic[] = []): LoadResult => ({
    ok: false,
    errors,
    warnings,
    hash,
  });
  try {
    const src = parseSource(file, source);
    if (src.errors.length) return fail(src.errors);
    const schemaErrors = validateSchema(src);
    if (schemaErrors.length) return fail(schemaErrors);
    const doc = src.value as RuleSetDoc;
    const semantic = checkSemantics(src, doc, opts.expectedId ?? idFromFile(file));
    const errors = semantic.filter((d) => d.severity === "error");
    const warnings = semantic.filter((d) => d.severity === "warning");
    if (errors.length) return fail(errors, warnings);
    const teamsRules = compileTeamsRules(doc.teamsToPbx.rules);
    const pbxRules = compilePbxRules(doc.pbxToTeams.rules);
    const tables = await buildTables(doc, teamsRules, pbxRules);
    const ruleSet = new CompiledRuleSet({
      file,
      source,
      hash,
      revision: opts.revision ?? 1,
      loadedAt: (opts.now?.() ?? new Date()).toISOString(),
      doc,
      teamsRules,
      pbxRules,
      tables,
      warnings,
    });
    const testErrors = runEmbeddedTests(src, doc, ruleSet);
    if (testErrors.length) return fail(testErrors, warnings);
    return { ok: true, ruleSet, warnings };
  } catch (e) {
    // A bug in a later stage must not take the hub down; report it against the file.
    return fail([
      {
        file,
        line: 1,
        column: 1,
        path: "$",
        message: `internal error while loading: ${errorMessage(e)}`,
        code: isHubError(e) ? e.code : "INTERNAL",
        severity: "error",
      },
    ]);
  }
}

/** Read and load one file. A missing file is a RULES_FILE_MISSING diagnostic. */
export async function loadRuleSetFile(
  file: string,
  opts: LoadOptions = {},
): Promise<LoadResult & { source?: string }> {
  let source: string;
  try {
    source = await readFile(file, "utf8");
  } catch (e) {
    const missing = (e as NodeJS.ErrnoException).code === "ENOENT";
    return {
      ok: false,
      hash: "",
      warnings: [],
      errors: [
        {
          file,
          line: 1,
          column: 1,
          path: "$",
          message: missing ? "file is missing" : `cannot read file: ${errorMessage(e)}`,
          code: "RULES_FILE_MISSING",
          severity: "error",
        },
      ],
    };
  }
  return { ...(await loadRuleSetSource(file, source, opts)), source };
}

/** Like loadRuleSetSource but throws RuleSetLoadError (a HubError) on failure. */
export async function loadRuleSetOrThrow(
  file: string,
  source: string,
  opts: LoadOptions = {},
): Promise<CompiledRuleSet> {
  const r = await loadRuleSetSource(file, source, opts);
  if (!r.ok) throw new RuleSetLoadError(r.errors);
  return r.ruleSet;
}
