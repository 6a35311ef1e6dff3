// `presence-hub demo` as a newcomer starts it: a real process in a fresh temporary data directory. With port
// 8080 already taken it still prints a login that works; a stop by signal — also the doubled one npx/npm
// forwards — undoes, stops the simulators and ends with a final line and exit code 0.
import { type ChildProcess, spawn } from "node:child_process";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { packageRoot } from "../../common/paths.js";

let child: ChildProcess | undefined;
let blocker: Server | undefined;
afterAll(() => {
  child?.kill("SIGKILL");
  blocker?.close();
});

/** Occupy 127.0.0.1:8080 like another program would (if something already does, the condition holds too). */
async function occupy8080(): Promise<void> {
  const s = createServer();
  await new Promise<void>((resolve) => {
    s.once("error", () => resolve());
    s.listen(8080, "127.0.0.1", () => {
      blocker = s;
      resolve();
    });
  });
}

function startDemo(): { proc: ChildProcess; output: () => string } {
  const env: NodeJS.ProcessEnv = { ...process.env, PRESENCE_HUB_LOG_LEVEL: "warn" };
  delete env.VITEST;
  delete env.PRESENCE_HUB_ADMIN_PASSWORD;
  const proc = spawn(process.execPath, [join(packageRoot, "bin", "presence-hub.js"), "demo"], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  child = proc;
  let out = "";
  proc.stdout?.on("data", (d) => {
    out += d;
  });
  proc.stderr?.on("data", (d) => {
    out += d;
  });
  return { proc, output: () => out };
}

describe("presence-hub demo (process)", () => {
  it("with port 8080 taken prints a working login; a doubled SIGINT stops it cleanly with a final line", async () => {
    await occupy8080();
    const { proc, output } = startDemo();
    const end = Date.now() + 60_000;
    while (!/Press Ctrl\+C/.test(output()) && Date.now() < end && proc.exitCode === null)
      await new Promise((r) => setTimeout(r, 100));
    const out = output();
    const url = /Open:\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
    const password = /Password: (\S+)/.exec(out)?.[1];
    expect(url, out).toBeTruthy();
    expect(url, out).not.toContain(":8080");
    expect(password, out).toMatch(/^[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}$/);
    const login = await fetch(`${url}/api/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "admin", password }),
    });
    expect(login.status).toBe(200);
    expect(out).toMatch(/App object "presence-hub", password "demo-app-password"/);
    const exited = new Promise<number | null>((r) => proc.once("exit", (code) => r(code)));
    proc.kill("SIGINT");
    await new Promise((r) => setTimeout(r, 50));
    proc.kill("SIGINT"); // what npm/npx forwards after the terminal's own Ctrl+C
    expect(await exited).toBe(0);
    expect(output()).toMatch(/Presence Hub demo stopped\.\s*$/);
  }, 90_000);
});
