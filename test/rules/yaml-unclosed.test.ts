// YAML syntax errors name both where the parser noticed the problem and where the unclosed construct
// began: flow sequences, flow maps, double- and single-quoted strings, nested ones, and the fixture.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { formatDiagnostic } from "../../engine/rules/diagnostics.js";
import { loadRuleSetFile } from "../../engine/rules/loader.js";
import { parseSource } from "../../engine/rules/yaml-source.js";

const messages = (text: string) => parseSource("t.yaml", text).errors.map((e) => formatDiagnostic(e));

describe("unclosed constructs", () => {
  it("flow sequence: noticed at the next key, opened where the [ is", () => {
    const text = "id: t\ntitle: T\nlist: [a, b,\n  c\nother: 1\nmore: 2\n";
    expect(messages(text)).toEqual([
      "t.yaml:5:1 YAML syntax error: Flow sequence in block collection must be sufficiently indented and end with a ] (flow sequence opened at 3:7)",
    ]);
  });

  it("the brief's shape: t.yaml:6:1 … (flow sequence opened at 3:9)", () => {
    const text = "id: t\nteams:\n  when: [InACall,\n    InAMeeting,\n    Presenting\nnext: 1\n";
    const [m] = messages(text);
    expect(m).toMatch(/^t\.yaml:6:1 YAML syntax error: .* \(flow sequence opened at 3:9\)$/);
  });

  it("flow map", () => {
    const [m] = messages("a: 1\nm: { x: 1, y: 2\nb: 3\n");
    expect(m).toMatch(/^t\.yaml:3:1 YAML syntax error: Flow map .* \(flow map opened at 2:4\)$/);
  });

  it("double-quoted string", () => {
    const [m] = messages('a: 1\nnote: "hello\nb: 2\nc: 3\n');
    expect(m).toBe('t.yaml:5:1 YAML syntax error: Missing closing "quote (quoted string opened at 2:7)');
  });

  it("single-quoted string (an escaped '' inside does not close it)", () => {
    const [m] = messages("a: 1\nnote: 'it''s\nb: 2\n");
    expect(m).toBe("t.yaml:4:1 YAML syntax error: Missing closing 'quote (quoted string opened at 2:7)");
  });

  it("nested unclosed collections: each error gets its own opener, innermost first", () => {
    expect(messages("a: [1, {b: [3\n")).toEqual([
      "t.yaml:2:1 YAML syntax error: Flow sequence in block collection must be sufficiently indented and end with a ] (flow sequence opened at 1:12)",
      "t.yaml:2:1 YAML syntax error: Flow map in block collection must be sufficiently indented and end with a } (flow map opened at 1:8)",
      "t.yaml:2:1 YAML syntax error: Flow sequence in block collection must be sufficiently indented and end with a ] (flow sequence opened at 1:4)",
    ]);
  });

  it("closed constructs and other syntax errors get no hint", () => {
    expect(messages("a: [1,\n 2]\nb: 'x'\nc: \"y\"\n")).toEqual([]);
    const [m] = messages("a: 1\na: 2\n");
    expect(m).not.toMatch(/opened at/);
  });

  it("the yaml-syntax fixture names the opening quote", async () => {
    const r = await loadRuleSetFile(join(import.meta.dirname, "fixtures", "yaml-syntax.yaml"));
    expect(r.ok).toBe(false);
    if (!r.ok)
      expect(r.errors[0]!.message).toBe(
        'YAML syntax error: Missing closing "quote (quoted string opened at 13:15)',
      );
  });
});
