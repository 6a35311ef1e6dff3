// The command line as a newcomer pokes at it: --version, usage of commands without a subcommand, and
// complete option lists (exit 0 for asked-for help, 2 for bad usage).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { packageRoot } from "../../common/paths.js";
import { main } from "../../server/cli/main.js";

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const o = vi.spyOn(process.stdout, "write").mockImplementation((s) => {
    out += String(s);
    return true;
  });
  const e = vi.spyOn(process.stderr, "write").mockImplementation((s) => {
    err += String(s);
    return true;
  });
  try {
    return { code: await main(args), out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

describe("presence-hub command line", () => {
  it("--version prints the package version", async () => {
    const { version } = JSON.parse(readFileSync(join(packageRoot, "package.json"), "utf8")) as { version: string };
    const r = await run(["--version"]);
    expect(r).toMatchObject({ code: 0, out: `presence-hub ${version}\n` });
  });

  it("sim --help and sim / pbx without a subcommand print their usage and exit 0; unknown ones exit 2", async () => {
    for (const args of [["sim", "--help"], ["sim"], ["pbx"], ["pbx", "--help"]]) {
      const r = await run(args);
      expect(r.code, args.join(" ")).toBe(0);
      expect(r.out, args.join(" ")).toMatch(/Usage: presence-hub (sim|pbx)/);
    }
    expect((await run(["sim", "bogus"])).code).toBe(2);
    expect((await run(["pbx", "bogus"])).code).toBe(2);
  });

  it("option lists name every option the commands accept", async () => {
    const simPbx = await run(["sim", "pbx", "--help"]);
    expect(simPbx.code).toBe(0);
    for (const o of ["--port", "--users", "--app", "--password", "--no-admin", "--tls", "--module"])
      expect(simPbx.out.split("\n").slice(1).join("\n"), o).toContain(`  ${o}`);
    const pbxTest = await run(["pbx", "test", "--help"]);
    for (const o of ["--module", "--ca", "--insecure", "--timeout", "--json"]) expect(pbxTest.out, o).toContain(o);
    const teamsTest = await run(["teams", "test", "--help"]);
    for (const o of ["--authority", "--graph", "--ca", "--timeout", "--json"])
      expect(teamsTest.out.split("\n").slice(1).join("\n"), o).toContain(`  ${o}`);
  });
});
