// Parses one rule-set file with `yaml` (keeping a LineCounter) and maps JSON paths back to line:column,
// so schema and semantic errors point at the exact place an admin has to edit.
import { type Document, isMap, isPair, isScalar, isSeq, LineCounter, type Node, parseDocument } from "yaml";
import { type RuleDiagnostic, jsonPath } from "./diagnostics.js";

export type PathSegment = string | number;

export interface ParsedSource {
  file: string;
  doc: Document.Parsed;
  lineCounter: LineCounter;
  /** Plain JS value of the document (only meaningful when `errors` is empty). */
  value: unknown;
  errors: RuleDiagnostic[];
}

export function parseSource(file: string, source: string): ParsedSource {
  const lineCounter = new LineCounter();
  // prettyErrors off: we format positions ourselves, messages stay one plain line.
  const doc = parseDocument(source, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const errors: RuleDiagnostic[] = doc.errors.map((e) => {
    const pos = lineCounter.linePos(e.pos[0]);
    return {
      file,
      line: pos.line,
      column: pos.col,
      path: "$",
      message: `YAML syntax error: ${firstLine(e.message)}`,
      code: "RULES_YAML_SYNTAX",
      severity: "error",
    };
  });
  let value: unknown;
  if (errors.length === 0) {
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (e) {
      errors.push({
        file,
        line: 1,
        column: 1,
        path: "$",
        message: `YAML error: ${firstLine(e instanceof Error ? e.message : String(e))}`,
        code: "RULES_YAML_SYNTAX",
        severity: "error",
      });
    }
  }
  return { file, doc, lineCounter, value, errors };
}

function firstLine(s: string): string {
  return s.split("\n")[0]!.trim();
}

/**
 * Position of the node at `path` (or of its map key when `key` is set). Walks as deep as the document
 * goes, so a path into a missing property points at the nearest existing parent.
 */
export function locate(
  src: ParsedSource,
  path: readonly PathSegment[],
  opts: { key?: boolean } = {},
): { line: number; column: number } {
  let node: unknown = src.doc.contents;
  let offset = rangeStart(node) ?? 0;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i]!;
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find(
        (p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg),
      );
      if (!pair) break;
      const keyStart = rangeStart(pair.key);
      if (last && opts.key && keyStart !== undefined) {
        offset = keyStart;
        break;
      }
      node = pair.value;
      offset = rangeStart(pair.value) ?? keyStart ?? offset;
    } else if (isSeq(node)) {
      const idx = typeof seg === "number" ? seg : Number.parseInt(seg, 10);
      const item = node.items[idx];
      if (item === undefined) break;
      node = item;
      offset = rangeStart(item) ?? offset;
    } else break;
  }
  const pos = src.lineCounter.linePos(offset);
  return { line: pos.line, column: pos.col };
}

function rangeStart(node: unknown): number | undefined {
  const r = (node as Node | null | undefined)?.range;
  return r ? r[0] : undefined;
}

/** Build a diagnostic at `path`. */
export function diagAt(
  src: ParsedSource,
  path: readonly PathSegment[],
  message: string,
  code: RuleDiagnostic["code"],
  opts: { key?: boolean; severity?: RuleDiagnostic["severity"] } = {},
): RuleDiagnostic {
  const { line, column } = locate(src, path, opts);
  return {
    file: src.file,
    line,
    column,
    path: jsonPath(path),
    message,
    code,
    severity: opts.severity ?? "error",
  };
}
