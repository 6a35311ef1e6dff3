// `presence-hub start` as a real process: configuration from the environment, one listener on loopback,
// health answers, the first-run password is printed once (and never logged), SIGHUP reloads the rule
// sets, SIGTERM exits 0.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { packageRoot } from "../../common/paths.js";

let child: ChildProcess | undefined;
const dataDir = mkdtempSync(join(tmpdir(), "ph-start-"));
afterAll(() => {
  child?.kill("SIGKILL");
  rmSync(dataDir, { recursive: true, force: true });
});

describe("presence-hub start", () => {
  it("starts, serves health, prints the generated password once, stops on SIGTERM", async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, PRESENCE_HUB_FROM_SOURCE: "1", PRESENCE_HUB_DATA_DIR: dataDir, PRESENCE_HUB_PORT: "0", PRESENCE_HUB_LOG_LEVEL: "info" };
    delete env.VITEST;
    delete env.PRESENCE_HUB_ADMIN_PASSWORD;
    const proc = spawn(process.execPath, [join(packageRoot, "bin", "presence-hub.js"), "start"], { env, stdio: ["ignore", "pipe", "pipe"] });
    child = proc;
    let out = "";
    proc.stdout?.on("data", (d) => {
      out += d;
    });
    proc.stderr?.on("data", (d) => {
      out += d;
    });
    const end = Date.now() + 40_000;
    while (!/Password: (\S+)/.test(out) && Date.now() < end && proc.exitCode === null) await new Promise((r) => setTimeout(r, 100));
    const password = /Password: (\S+)/.exec(out)?.[1];
    const url = /Open:\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
    expect(password, out).toBeTruthy();
    expect(url, out).toBeTruthy();
    const health = await fetch(`${url}/api/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ ok: true, state: "running" });
    const login = await fetch(`${url}/api/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "admin", password }),
    });
    expect(login.status).toBe(200);
    // printed once in the banner, never in a log line
    expect(out.split(password as string).length - 1).toBe(1);
    // SIGHUP reloads the rule sets (and does not stop the hub).
    proc.kill("SIGHUP");
    const reloadEnd = Date.now() + 20_000;
    while (!/SIGHUP: rule sets reloaded/.test(out) && Date.now() < reloadEnd) await new Promise((r) => setTimeout(r, 100));
    expect(out).toMatch(/SIGHUP: rule sets reloaded/);
    expect((await fetch(`${url}/api/health`)).status).toBe(200);
    const exited = new Promise<number | null>((r) => proc.once("exit", (code) => r(code)));
    proc.kill("SIGTERM");
    expect(await exited).toBe(0);
  }, 60_000);
});
