// `presence-hub rules check|explain`: exit codes and `file:line:column message` output.
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { packageRoot } from "../../common/paths.js";
import { rulesCheck, rulesExplain } from "../../server/cli/commands/rules.js";
import { tempRules } from "./rules-dir.js";

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
    expect(c.out.at(-1)).toMatch(/^3 rule set\(s\) ok, \d+ fragment\(s\) ok$/);
    expect(c.out).toContainEqual(
      expect.stringMatching(
        /^ok {3}rules\/fragments\/cfb-default\.yaml \(fragment, 0 tests; extended by innovaphone-calls-only, innovaphone-dnd, innovaphone-mirror\)$/,
      ),
    );
  });

  it("checks fragments too: a broken one fails its sets and itself, an unused broken one fails alone", async () => {
    const rd = await tempRules({}, true);
    try {
      const src = await readFile(rd.path("fragments/pbx-call-dnd.yaml"), "utf8");
      await rd.write(
        "fragments/pbx-call-dnd.yaml",
        src.replace("presence: DoNotDisturb/Presenting", "presence: Dnd"),
      );
      await rd.write(
        "fragments/unused.yaml",
        "teamsToPbx:\n  rules:\n    - name: x\n      when: { activity: InACal }\n      then: { activity: dnd }\n",
      );
      const c = capture();
      expect(await rulesCheck(rd.dir, c.io)).toBe(1);
      // As the CLI shows them: relative to the working directory when below it.
      const rel = (name: string) => {
        const r = relative(process.cwd(), rd.path(name));
        return r && !r.startsWith("..") ? r : rd.path(name);
      };
      // Reported once, in the set that pulled it in; the fragment's own check does not repeat it.
      const dnd = c.err.filter((l) => l.includes("pbx-call-dnd.yaml:"));
      expect(dnd).toHaveLength(1);
      expect(dnd[0]).toMatch(
        new RegExp(
          `^${rel("fragments/pbx-call-dnd.yaml")}:\\d+:\\d+ .* \\(pulled in by ${rel("innovaphone-dnd.yaml")}:\\d+:\\d+\\)$`,
        ),
      );
      expect(c.err).toContain(`FAIL ${rel("innovaphone-dnd.yaml")}`);
      expect(c.err).toContain(`FAIL ${rel("fragments/pbx-call-dnd.yaml")}`);
      expect(c.err).toContainEqual(
        expect.stringMatching(
          new RegExp(`^${rel("fragments/unused.yaml")}:4:25 unknown Teams activity "InACal"`),
        ),
      );
      expect(c.err).toContain(`FAIL ${rel("fragments/unused.yaml")}`);
      expect(c.out.at(-1)).toBe("1 of 3 rule set(s) failed, 2 of 6 fragment(s) failed");
      // A single fragment file is checked as a fragment.
      expect(await rulesCheck(rd.path("fragments/cfb-default.yaml"), capture().io)).toBe(0);
      expect(await rulesCheck(rd.path("fragments/unused.yaml"), capture().io)).toBe(1);
    } finally {
      await rd.cleanup();
    }
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
