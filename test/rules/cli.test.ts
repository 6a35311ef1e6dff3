// `presence-hub rules check|explain`: exit codes and `file:line:column message` output.
import { execFile } from "node:child_process";
import { join, relative } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { packageRoot } from "../../common/paths.js";
import { rulesCheck, rulesExplain } from "../../server/cli/commands/rules.js";

const fixtures = join(import.meta.dirname, "fixtures");

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (s: string) => out.push(s), err: (s: string) => err.push(s) }, out, err };
}

describe("rules check", () => {
  it("passes on the shipped rule sets", async () => {
    const c = capture();
    expect(await rulesCheck(join(packageRoot, "rules"), c.io)).toBe(0);
    expect(c.err).toEqual([]);
    expect(c.out.at(-1)).toMatch(/^\d+ rule set\(s\) ok$/);
  });

  it("fails with file:line:column lines on the failure fixtures", async () => {
    const c = capture();
    expect(await rulesCheck(fixtures, c.io)).toBe(1);
    const rel = relative(process.cwd(), join(fixtures, "bad-output.yaml"));
    expect(c.err).toContain(
      `${rel}:12:19 teamsToPbx.rules[0].then.activity has value "offline", allowed: "", "away", "busy", "dnd", "meeting", "lunch", "vacation", "on-the-phone"`,
    );
    expect(c.err.filter((l) => l.startsWith("FAIL "))).toHaveLength(7);
    expect(c.out.some((l) => l.startsWith("ok ") && l.includes("minimal.yaml"))).toBe(true);
  });

  it("checks a single file and reports a missing directory", async () => {
    expect(await rulesCheck(join(fixtures, "minimal.yaml"), capture().io)).toBe(0);
    const c = capture();
    expect(await rulesCheck(join(fixtures, "nope"), c.io)).toBe(1);
    expect(c.err[0]).toMatch(/nope:1:1 cannot read/);
  });
});

describe("rules explain", () => {
  it("prints the winner and why earlier rules failed", async () => {
    const c = capture();
    const code = await rulesExplain(
      [
        "--type",
        "innovaphone-dnd",
        "--availability",
        "Busy",
        "--activity",
        "InAMeeting",
        "--pbx-call",
        "connected",
      ],
      c.io,
    );
    expect(code).toBe(0);
    const text = c.out.join("\n");
    expect(text).toContain(
      '✗ teams-call (priority 30): activity is "InAMeeting", not one of InACall, InAConferenceCall',
    );
    expect(text).toContain('→ teams-meeting: activity "dnd", note "In a Teams meeting", cfb ensure');
    expect(text).toContain("→ pbx-call: DoNotDisturb/Presenting");
  });

  it("needs --type and an input", async () => {
    expect(await rulesExplain([], capture().io)).toBe(2);
    expect(await rulesExplain(["--type", "innovaphone-dnd"], capture().io)).toBe(2);
    expect(await rulesExplain(["--type", "innovaphone-dnd", "--availability", "Busy"], capture().io)).toBe(2);
  });
});

describe("launcher", () => {
  it("`node bin/presence-hub.js rules check rules` exits 0 from sources", async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ["bin/presence-hub.js", "rules", "check", "rules"],
      {
        cwd: packageRoot,
        env: { ...process.env, PRESENCE_HUB_FROM_SOURCE: "1", LOG_LEVEL: "silent" },
      },
    );
    expect(stdout).toMatch(/rule set\(s\) ok/);
  });

  it("exits 1 with positions on a broken directory", async () => {
    const err = await promisify(execFile)(
      process.execPath,
      ["bin/presence-hub.js", "rules", "check", fixtures],
      {
        cwd: packageRoot,
        env: { ...process.env, PRESENCE_HUB_FROM_SOURCE: "1", LOG_LEVEL: "silent" },
      },
    ).catch((e: { code: number; stderr: string }) => e);
    expect((err as { code: number }).code).toBe(1);
    expect((err as { stderr: string }).stderr).toMatch(
      /duplicate-name\.yaml:19:13 duplicate rule name "call"/,
    );
  });
});
