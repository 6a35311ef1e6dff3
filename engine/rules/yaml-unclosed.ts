// Where did the construct that never closed begin? The `yaml` parser reports an unclosed flow sequence,
// flow map or quoted string where it gives up (often the next key, lines later); this module walks the
// CST (the `yaml` package's concrete syntax tokens) to find where that construct was opened, so a syntax
// error can name both places: `t.yaml:6:1 … (flow sequence opened at 3:9)`.
import { Parser, type YAMLError } from "yaml";

export type UnclosedKind = "flow sequence" | "flow map" | "quoted string";

export interface Unclosed {
  kind: UnclosedKind;
  /** The opening character: `[`, `{`, `"` or `'`. */
  open: string;
  /** Offset of the opening character in the source. */
  offset: number;
}

interface TokenLike {
  type?: string;
  offset?: number;
  source?: string;
  start?: TokenLike;
  end?: TokenLike[];
}

// A quoted scalar token is closed when its source ends with an unescaped closing quote.
const CLOSED_DOUBLE = /^"(?:[^"\\]|\\[\s\S])*"$/;
const CLOSED_SINGLE = /^'(?:[^']|'')*'$/;

/** Every unclosed construct in `source`, latest-opened first (the parser reports inner ones first). */
export function findUnclosed(source: string): Unclosed[] {
  const out: Unclosed[] = [];
  for (const token of new Parser().parse(source)) walk(token, out);
  return out.sort((a, b) => b.offset - a.offset);
}

function walk(node: unknown, out: Unclosed[]): void {
  if (Array.isArray(node)) {
    for (const n of node) walk(n, out);
    return;
  }
  if (!node || typeof node !== "object") return;
  const t = node as TokenLike;
  if (t.type === "flow-collection" && t.start && typeof t.offset === "number") {
    const seq = t.start.source === "[";
    const closer = seq ? "flow-seq-end" : "flow-map-end";
    if (!(t.end ?? []).some((e) => e.type === closer))
      out.push({ kind: seq ? "flow sequence" : "flow map", open: seq ? "[" : "{", offset: t.offset });
  } else if (t.type === "double-quoted-scalar" && typeof t.offset === "number") {
    if (!CLOSED_DOUBLE.test(t.source ?? "")) out.push({ kind: "quoted string", open: '"', offset: t.offset });
  } else if (t.type === "single-quoted-scalar" && typeof t.offset === "number") {
    if (!CLOSED_SINGLE.test(t.source ?? "")) out.push({ kind: "quoted string", open: "'", offset: t.offset });
  }
  for (const v of Object.values(t)) if (v && typeof v === "object") walk(v, out);
}

/** Which kind of unclosed construct a `yaml` error message is about, if any. */
function kindOf(message: string): { kind: UnclosedKind; open?: string } | undefined {
  if (/^Flow sequence\b/.test(message)) return { kind: "flow sequence" };
  if (/^Flow map\b/.test(message)) return { kind: "flow map" };
  const q = /^Missing closing (["'])quote/.exec(message);
  if (q) return { kind: "quoted string", open: q[1] };
  return undefined;
}

/**
 * For each error (same order), the unclosed construct it is about, or undefined. Each construct is used
 * once: with nested unclosed collections the parser reports one error per level at the same offset.
 */
export function matchUnclosed(source: string, errors: readonly YAMLError[]): (Unclosed | undefined)[] {
  const kinds = errors.map((e) => kindOf(e.message));
  if (!kinds.some(Boolean)) return errors.map(() => undefined);
  const candidates = findUnclosed(source);
  const used = new Set<Unclosed>();
  return errors.map((e, i) => {
    const k = kinds[i];
    if (!k) return undefined;
    const hit = candidates.find(
      (c) => !used.has(c) && c.kind === k.kind && (!k.open || c.open === k.open) && c.offset < e.pos[1],
    );
    if (hit) used.add(hit);
    return hit;
  });
}
