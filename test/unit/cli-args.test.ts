// parseCommandLine: one behaviour for every CLI entry — values typed from the option specs, bad usage
// (unknown option, missing value, unexpected positional) → usage on stderr and exit 2, --help → exit 0.
import { describe, expect, it } from "vitest";
import { parseCommandLine } from "../../common/cli-args.js";

const USAGE = "Usage: tool --port P [--json]";
const options = { port: { type: "string" }, json: { type: "boolean" } } as const;

function run(args: string[], positionals = false) {
  const out: string[] = [];
  const err: string[] = [];
  const r = parseCommandLine(args, { options, usage: USAGE, positionals }, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { r, out: out.join(""), err: err.join("") };
}

describe("parseCommandLine", () => {
  it("returns typed values", () => {
    const { r, out, err } = run(["--port", "8080", "--json"]);
    expect(r).toEqual({ values: { port: "8080", json: true }, positionals: [] });
    expect(out + err).toBe("");
  });

  it.each([
    [["--bogus"], "Unknown option '--bogus'"],
    [["--port"], "--port"],
    [["extra"], "extra"],
  ])("%j is bad usage: exit 2 with the problem and the usage on stderr", (args, problem) => {
    const { r, out, err } = run(args);
    expect(r).toEqual({ exit: 2 });
    expect(err).toContain(problem);
    expect(err).toContain(USAGE);
    expect(out).toBe("");
  });

  it("accepts positionals only when the command asks for them", () => {
    expect(run(["dir"], true).r).toEqual({ values: {}, positionals: ["dir"] });
  });

  it.each([["--help"], ["-h"]])("%s prints the usage on stdout and exits 0", (flag) => {
    const { r, out, err } = run(["--port", "1", flag]);
    expect(r).toEqual({ exit: 0 });
    expect(out).toBe(`${USAGE}\n`);
    expect(err).toBe("");
  });
});
