// Parses one rule-set or fragment file with `yaml` (keeping a LineCounter) and maps JSON paths back to
// line:column, so schema and semantic errors point at the exact place an admin has to edit — in a composed
// rule set, in the file (set or fragment) the entry was written in.
import { basename } from "node:path";
import { type Document, isMap, isPair, isScalar, isSeq, LineCounter, type Node, parseDocument } from "yaml";
import { jsonPath, type RuleDiagnostic, type SourcePosition } from "./diagnostics.js";
import { matchUnclosed } from "./yaml-unclosed.js";

export type PathSegment = string | number;

export interface ParsedSource {
  file: string;
  /** How messages name the file: relative to the rules directory (`x.yaml`, `fragments/y.yaml`). */
  name: string;
  doc: Document.Parsed;
  lineCounter: LineCounter;
  /** Plain JS value of the document (only meaningful when `errors` is empty). */
  value: unknown;
  errors: RuleDiagnostic[];
}

export function parseSource(file: string, source: string, name = basename(file)): ParsedSource {
  const lineCounter = new LineCounter();
  // prettyErrors off: we format positions ourselves, messages stay one plain line.
  const doc = parseDocument(source, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const unclosed = doc.errors.length ? matchUnclosed(source, doc.errors) : [];
  const errors: RuleDiagnostic[] = doc.errors.map((e, i) => {
    const pos = lineCounter.linePos(e.pos[0]);
    // The parser notices an unclosed construct where it gives up; name where it was opened, too.
    const u = unclosed[i];
    const opened = u ? lineCounter.linePos(u.offset) : undefined;
    const hint =
      opened && (opened.line !== pos.line || opened.col !== pos.col)
        ? ` (${u!.kind} opened at ${opened.line}:${opened.col})`
        : "";
    return {
      file,
      line: pos.line,
      column: pos.col,
      path: "$",
      message: `YAML syntax error: ${firstLine(e.message)}${hint}`,
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
  return { file, name, doc, lineCounter, value, errors };
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

/** Where a path of a (possibly composed) document is written: the file, the path in it, the extend chain. */
export interface Placement {
  src: ParsedSource;
  path: readonly PathSegment[];
  via?: SourcePosition[];
}

/** A composed rule set (set + fragments): maps paths of the merged document to the file they came from. */
export interface ComposedView {
  place(path: readonly PathSegment[]): Placement;
}

/** What the checks place diagnostics in: one parsed file, or a composed rule set. */
export type DiagnosticSource = ParsedSource | ComposedView;

/** The file (display name) and line:column where `path` of a (possibly composed) document is written. */
export function positionOf(
  src: DiagnosticSource,
  path: readonly PathSegment[],
): { name: string; line: number; column: number } {
  const p: Placement = "place" in src ? src.place(path) : { src, path };
  return { name: p.src.name, ...locate(p.src, p.path) };
}

/** Build a diagnostic at `path` (of the merged document when `src` is composed). */
export function diagAt(
  src: DiagnosticSource,
  path: readonly PathSegment[],
  message: string,
  code: RuleDiagnostic["code"],
  opts: { key?: boolean; severity?: RuleDiagnostic["severity"] } = {},
): RuleDiagnostic {
  const p: Placement = "place" in src ? src.place(path) : { src, path };
  const { line, column } = locate(p.src, p.path, opts);
  return {
    file: p.src.file,
    line,
    column,
    path: jsonPath(p.path),
    message,
    code,
    severity: opts.severity ?? "error",
    ...(p.via?.length ? { via: p.via } : {}),
  };
}
