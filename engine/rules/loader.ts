// The load pipeline for one rule-set file, side-effect free apart from reading it and its fragments:
// parse (yaml + LineCounter) → ajv (all errors) → resolve `extend` (fragments parsed + validated) →
// compose → semantic checks → compile to json-rules-engine → decision tables → embedded tests. The
// result is either a ready CompiledRuleSet or the list of diagnostics; publishing is the registry's job.
import { createHash } from "node:crypto";
import { basename, extname } from "node:path";
import { errorMessage, isHubError } from "../../common/errors.js";
import { compilePbxRules, compileTeamsRules } from "./compile.js";
import { MAX_RULE_FILE_BYTES, readRuleFile, tooLarge, yieldToEventLoop } from "./rule-file.js";
import { Composition } from "./compose.js";
import { type RuleDiagnostic, RuleSetLoadError } from "./diagnostics.js";
import type { RuleSetDoc } from "./document.js";
import { diskFragments, type FragmentReader, fragmentsDirOf, resolveFragments } from "./fragments.js";
import { validateSchema } from "./schema.js";
import { runEmbeddedTests } from "./selftest.js";
import { checkSemantics } from "./semantic.js";
import { buildTables, CompiledRuleSet } from "./table.js";
import { parseSource } from "./yaml-source.js";

/** `fragments`: every fragment name the set reached (also when loading failed) — hot reload follows them. */
export type LoadResult =
  | { ok: true; ruleSet: CompiledRuleSet; warnings: RuleDiagnostic[]; fragments: string[] }
  | { ok: false; errors: RuleDiagnostic[]; warnings: RuleDiagnostic[]; hash: string; fragments: string[] };

export interface LoadOptions {
  /** Revision the rule set gets if it loads (the registry passes current + 1). */
  revision?: number;
  /** Id the file must declare; defaults to the file name without extension. */
  expectedId?: string;
  now?: () => Date;
  /** Where `extend`ed fragments are read from; default: the fragments/ folder next to the file. */
  fragments?: FragmentReader;
}

export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/**
 * The config hash of a rule set: sha256 of its source alone when it extends nothing (unchanged from
 * before fragments existed), else of the source and every fragment's name and source in read order — so
 * editing a fragment changes the hash of every set that uses it.
 */
export function compositeHash(
  source: string,
  fragments: readonly { name: string; source: string | null }[],
): string {
  if (fragments.length === 0) return sha256(source);
  const h = createHash("sha256").update(source);
  for (const f of fragments) h.update(`\0${f.name}\0`).update(f.source ?? "\0(missing)");
  return h.digest("hex");
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
  let hash = sha256(source);
  let fragments: string[] = [];
  const fail = (errors: RuleDiagnostic[], warnings: RuleDiagnostic[] = []): LoadResult => ({
    ok: false,
    errors,
    warnings,
    hash,
    fragments,
  });
  try {
    if (Buffer.byteLength(source) > MAX_RULE_FILE_BYTES) {
      const e = tooLarge(Buffer.byteLength(source));
      return fail([{ file, line: 1, column: 1, path: "$", message: e.message, code: e.code, severity: "error" }]);
    }
    // Each stage below is synchronous; yield in between so a reload never holds the event loop for long.
    await yieldToEventLoop();
    const src = parseSource(file, source);
    if (src.errors.length) return fail(src.errors);
    await yieldToEventLoop();
    const schemaErrors = validateSchema(src);
    if (schemaErrors.length) return fail(schemaErrors);
    const raw = src.value as RuleSetDoc;
    const resolved = await resolveFragments(
      src,
      raw.extend,
      opts.fragments ?? diskFragments(fragmentsDirOf(file)),
    );
    fragments = resolved.names;
    hash = compositeHash(source, resolved.sources);
    if (resolved.errors.length) return fail(resolved.errors);
    const composition = new Composition(src, raw, resolved.parts);
    const doc = composition.doc;
    const semantic = checkSemantics(composition, doc, opts.expectedId ?? idFromFile(file));
    const errors = semantic.filter((d) => d.severity === "error");
    const warnings = semantic.filter((d) => d.severity === "warning");
    if (errors.length) return fail(errors, warnings);
    await yieldToEventLoop();
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
      composition: composition.info,
    });
    const testErrors = runEmbeddedTests(composition, doc, ruleSet);
    if (testErrors.length) return fail(testErrors, warnings);
    return { ok: true, ruleSet, warnings, fragments };
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
    source = await readRuleFile(file);
  } catch (e) {
    const missing = (e as NodeJS.ErrnoException).code === "ENOENT";
    const code = isHubError(e, "RULES_FILE_TOO_LARGE") ? e.code : "RULES_FILE_MISSING";
    return {
      ok: false,
      hash: "",
      warnings: [],
      fragments: [],
      errors: [
        {
          file,
          line: 1,
          column: 1,
          path: "$",
          message: missing ? "file is missing" : code === "RULES_FILE_MISSING" ? `cannot read file: ${errorMessage(e)}` : errorMessage(e),
          code,
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
