// Diagnostics of the rule loader: one error or warning with its position in the source file, and the
// HubError that carries them. Every message a human sees is formatted `file:line:column message`; a
// problem inside a fragment also names the `extend` entries that pulled the fragment in.
import { type ErrorCode, HubError } from "../../common/errors.js";

export interface SourcePosition {
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
}

export interface RuleDiagnostic {
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
  /** JSON path into the document, e.g. `$.teamsToPbx.rules[2].then.activity`. */
  path: string;
  message: string;
  /** Which pipeline stage reported it. */
  code: ErrorCode;
  severity: "error" | "warning";
  /**
   * Set when `file` is a fragment: the `extend` entries that pulled it in, from the rule set down
   * (`[set.yaml:9:10]`, or `[set.yaml:9:10, fragments/a.yaml:2:10]` for a fragment of a fragment).
   */
  via?: SourcePosition[];
}

/** `file:line:column message`, plus ` (pulled in by set.yaml:9:10 → …)` for a fragment. `show` maps file names. */
export function formatDiagnostic(
  d: Pick<RuleDiagnostic, "file" | "line" | "column" | "message" | "via">,
  show: (file: string) => string = (f) => f,
): string {
  const at = (p: SourcePosition) => `${show(p.file)}:${p.line}:${p.column}`;
  const via = d.via?.length ? ` (pulled in by ${d.via.map(at).join(" → ")})` : "";
  return `${at(d)} ${d.message}${via}`;
}

/** Segments → `$.a.b[0].c` (keys that are not identifiers are quoted). */
export function jsonPath(segments: readonly (string | number)[]): string {
  let out = "$";
  for (const s of segments) {
    if (typeof s === "number") out += `[${s}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(s)) out += `.${s}`;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out;
}

/** The error a failed load is reported as; `details.diagnostics` holds every error found. */
export class RuleSetLoadError extends HubError {
  readonly diagnostics: RuleDiagnostic[];
  constructor(diagnostics: RuleDiagnostic[]) {
    const first = diagnostics[0];
    super(first?.code ?? "RULES_SEMANTIC", first ? formatDiagnostic(first) : "rule set invalid", {
      details: { diagnostics },
    });
    this.diagnostics = diagnostics;
  }
}
