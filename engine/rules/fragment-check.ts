// Checks one fragment file on its own — what `rules check` does for every file in rules/fragments/, so a
// fragment no set uses (yet) is validated too: parse, fragment schema, its own `extend`s (unknown names,
// cycles), and the semantic checks that need no rule set (rule names, condition values, note templates,
// words, test shapes). Whether the fragment works inside a set (coverage, its tests) is judged when that
// set loads.
import { readFile } from "node:fs/promises";
import { basename, dirname } from "node:path";
import { errorMessage } from "../../common/errors.js";
import { Composition } from "./compose.js";
import type { RuleDiagnostic } from "./diagnostics.js";
import type { FragmentDoc, RuleSetDoc } from "./document.js";
import {
  diskFragments,
  FRAGMENTS_DIR,
  type FragmentReader,
  fragmentName,
  resolveFragments,
} from "./fragments.js";
import { validateSchema } from "./schema.js";
import { checkSemantics } from "./semantic.js";
import { parseSource } from "./yaml-source.js";

export interface FragmentCheck {
  ok: boolean;
  errors: RuleDiagnostic[];
  warnings: RuleDiagnostic[];
  /** Tests the fragment carries (they run in every set that extends it). */
  tests: number;
}

/** Check `file` (a file in a fragments/ folder); its own extends are read from the same folder. */
export async function checkFragmentFile(
  file: string,
  reader: FragmentReader = diskFragments(dirname(file)),
): Promise<FragmentCheck> {
  const fail = (errors: RuleDiagnostic[]): FragmentCheck => ({ ok: false, errors, warnings: [], tests: 0 });
  let source: string;
  try {
    source = await readFile(file, "utf8");
  } catch (e) {
    return fail([
      {
        file,
        line: 1,
        column: 1,
        path: "$",
        message: `cannot read file: ${errorMessage(e)}`,
        code: "RULES_FILE_MISSING",
        severity: "error",
      },
    ]);
  }
  const src = parseSource(file, source, `${FRAGMENTS_DIR}/${basename(file)}`);
  if (src.errors.length) return fail(src.errors);
  const schemaErrors = validateSchema(src, "fragment");
  if (schemaErrors.length) return fail(schemaErrors);
  const doc = src.value as FragmentDoc;
  const resolved = await resolveFragments(src, doc.extend, reader, fragmentName(file));
  if (resolved.errors.length) return fail(resolved.errors);
  // Compose as if the fragment were a set that only extends its own fragments, so the same checks place
  // their diagnostics the same way they would inside a real set.
  const asSet = {
    teamsToPbx: { rules: doc.teamsToPbx?.rules ?? [] },
    pbxToTeams: { rules: doc.pbxToTeams?.rules ?? [] },
    tests: doc.tests ?? [],
    ...(doc.words ? { words: doc.words } : {}),
    ...(doc.cfb ? { cfb: doc.cfb } : {}),
  } as unknown as RuleSetDoc;
  const composition = new Composition(src, asSet, resolved.parts);
  const diagnostics = checkSemantics(composition, composition.doc, null);
  const errors = diagnostics.filter((d) => d.severity === "error");
  const warnings = diagnostics.filter((d) => d.severity === "warning");
  return { ok: errors.length === 0, errors, warnings, tests: composition.doc.tests.length };
}
