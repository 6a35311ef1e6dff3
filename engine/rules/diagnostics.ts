// Diagnostics of the rule loader: one error or warning with its position in the source file, and the
// HubError that carries them. Every message a human sees is formatted `file:line:column message`.
import { type ErrorCode, HubError } from "../../common/errors.js";

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
}

export function formatDiagnostic(d: Pick<RuleDiagnostic, "file" | "line" | "column" | "message">): string {
  return `${d.file}:${d.line}:${d.column} ${d.message}`;
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
