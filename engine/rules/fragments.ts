// Resolves a rule set's `extend` list: reads each fragment (rules/fragments/<name>.yaml), parses and
// schema-checks it, follows its own `extend`s depth-first, and reports unknown names and cycles at the
// `extend` entry that caused them. Output: the fragments in merge order (a fragment's own extends before
// it; each fragment once, at its first use), every name the set depends on, and the sources for the hash.
import { readdir } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { readRuleFile } from "./rule-file.js";
import { errorMessage } from "../../common/errors.js";
import type { RuleDiagnostic, SourcePosition } from "./diagnostics.js";
import type { FragmentDoc } from "./document.js";
import { validateSchema } from "./schema.js";
import { closest } from "./semantic.js";
import { diagAt, locate, type ParsedSource, parseSource } from "./yaml-source.js";

/** The folder fragments live in, relative to the rules directory. */
export const FRAGMENTS_DIR = "fragments";

const FRAGMENT_FILE = /\.ya?ml$/i;

export type FragmentRead =
  | { file: string; source: string }
  | { file: string; missing: true }
  | { file: string; error: string };

/** Where fragments come from: the fragments/ folder on disk, or an in-memory map in tests. */
export interface FragmentReader {
  read(name: string): Promise<FragmentRead>;
  /** Names of the fragments that exist (for the "known:" hint of an unknown name). */
  list(): Promise<string[]>;
}

/** The fragments folder next to a rule-set file. */
export function fragmentsDirOf(setFile: string): string {
  return join(dirname(setFile), FRAGMENTS_DIR);
}

/** Fragment name of a file in the fragments folder (`fragments/pbx-call.yaml` → `pbx-call`). */
export function fragmentName(file: string): string {
  return basename(file).replace(FRAGMENT_FILE, "");
}

export function isFragmentFile(name: string): boolean {
  return FRAGMENT_FILE.test(name);
}

/** Reads `<dir>/<name>.yaml` (or `.yml`). */
export function diskFragments(dir: string): FragmentReader {
  return {
    async read(name) {
      for (const ext of [".yaml", ".yml"]) {
        const file = join(dir, `${name}${ext}`);
        try {
          return { file, source: await readRuleFile(file) };
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== "ENOENT") return { file, error: errorMessage(e) };
        }
      }
      return { file: join(dir, `${name}.yaml`), missing: true };
    },
    async list() {
      try {
        return (await readdir(dir)).filter(isFragmentFile).map(fragmentName).sort();
      } catch {
        return [];
      }
    },
  };
}

/** One fragment of a composed rule set. */
export interface FragmentPart {
  name: string;
  src: ParsedSource;
  doc: FragmentDoc;
  /** The `extend` entries from the rule set down to this fragment. */
  via: SourcePosition[];
}

export interface Resolution {
  /** Fragments in merge order. Empty when `errors` is not. */
  parts: FragmentPart[];
  errors: RuleDiagnostic[];
  /** Every fragment name reached, including ones that are missing or broken (hot reload watches them). */
  names: string[];
  /** Source of every fragment read, in read order (null = missing/unreadable), for the composite hash. */
  sources: { name: string; source: string | null }[];
}

/**
 * Resolve the `extend` list of `root` (a rule set, or a fragment checked on its own; `rootName` then is
 * the fragment's name so a cycle back to it is found). `root` must have passed its schema already.
 */
export async function resolveFragments(
  root: ParsedSource,
  extend: readonly string[] | undefined,
  reader: FragmentReader,
  rootName?: string,
): Promise<Resolution> {
  const out: Resolution = { parts: [], errors: [], names: [], sources: [] };
  if (!extend?.length) return out;
  const done = new Set<string>();
  const stack: string[] = rootName ? [rootName] : [];
  let known: string[] | undefined;

  const entryError = (
    from: ParsedSource,
    via: SourcePosition[],
    i: number,
    message: string,
  ): RuleDiagnostic => ({
    ...diagAt(from, ["extend", i], message, "RULES_FRAGMENT"),
    ...(via.length ? { via } : {}),
  });

  const visit = async (from: ParsedSource, list: readonly string[], via: SourcePosition[]) => {
    for (const [i, name] of list.entries()) {
      if (!out.names.includes(name)) out.names.push(name);
      if (stack.includes(name)) {
        const cycle = [...stack.slice(stack.indexOf(name)), name].join(" → ");
        out.errors.push(
          entryError(
            from,
            via,
            i,
            `fragment cycle: ${cycle} (a fragment cannot extend itself, not even through others)`,
          ),
        );
        continue;
      }
      // Diamonds: a fragment reached twice is merged once, where it was first reached.
      if (done.has(name)) continue;
      done.add(name);
      const read = await reader.read(name);
      if ("missing" in read || "error" in read) {
        out.sources.push({ name, source: null });
        let message: string;
        if ("error" in read) message = `cannot read fragment "${name}": ${read.error}`;
        else {
          known ??= await reader.list();
          const hint = closest(name, known);
          message = `unknown fragment "${name}": there is no ${FRAGMENTS_DIR}/${name}.yaml${hint ? ` (did you mean "${hint}"?)` : ""}; known: ${known.length ? known.join(", ") : "none"}`;
        }
        out.errors.push(entryError(from, via, i, message));
        continue;
      }
      out.sources.push({ name, source: read.source });
      const pos = locate(from, ["extend", i]);
      const chain = [...via, { file: from.file, line: pos.line, column: pos.column }];
      const src = parseSource(read.file, read.source, `${FRAGMENTS_DIR}/${basename(read.file)}`);
      const errors = src.errors.length ? src.errors : validateSchema(src, "fragment");
      if (errors.length) {
        out.errors.push(...errors.map((d) => ({ ...d, via: chain })));
        continue;
      }
      const doc = src.value as FragmentDoc;
      stack.push(name);
      if (doc.extend?.length) await visit(src, doc.extend, chain);
      stack.pop();
      out.parts.push({ name, src, doc, via: chain });
    }
  };
  await visit(root, extend, []);
  if (out.errors.length) out.parts = [];
  return out;
}
