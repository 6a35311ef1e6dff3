// `presence-hub pbx test` through the real CLI entry (main()) against the simulator, plus `sim pbx`.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { testInnovaphoneConnection } from "../../connectors/innovaphone/connection-test.js";
import { type PbxSimulator, startPbxSimulator } from "../../connectors/innovaphone/simulator/server.js";
import { main } from "../../server/cli/main.js";
import { makeUsers } from "./helpers.js";

let sim: PbxSimulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

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
    const code = await main(args);
    return { code, out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

const base = () => [
  "pbx",
  "test",
  "--server",
  "127.0.0.1",
  "--port",
  String(sim!.port),
  "--username",
  "presence-hub",
];

describe("presence-hub pbx test", () => {
  it("exits 0 and prints the per-step diagnosis", async () => {
    sim = await startPbxSimulator({ users: makeUsers(12, (i) => (i < 4 ? { cfpr: false } : {})) });
    const r = await run([...base(), "--protocol", "ws", "--password", "secret"]);
    expect(r.code).toBe(0);
    expect(r.out).toContain(
      "Connected; PbxApi OK; Admin access OK; 12 users visible; 4 users have Call forward based on Presence off; Presence visible; RCC OK",
    );
  });

  it("exits non-zero naming the login step on a wrong password", async () => {
    sim = await startPbxSimulator({ users: makeUsers(1) });
    const r = await run([...base(), "--password", "nope"]);
    expect(r.code).toBe(1);
    expect(r.out).toContain("Login failed: wrong app object name or password");
    expect(r.err).toContain("Login step failed");
  });

  it("names what is unavailable when Admin is disabled (still usable)", async () => {
    sim = await startPbxSimulator({
      users: makeUsers(3),
      apps: [{ name: "presence-hub", password: "secret", apis: ["PbxApi", "PbxTableUsers", "RCC"] }],
    });
    const r = await run([...base(), "--password", "secret", "--timeout", "2000"]);
    expect(r.code).toBe(0);
    expect(r.out).toContain("Admin access missing — e-mail addresses and the CFB fallback are unavailable");
  });

  it("warns when the App object has no Visibility on the users", async () => {
    sim = await startPbxSimulator({ users: makeUsers(2), requireVisibility: true });
    const r = await run([...base(), "--password", "secret", "--timeout", "2000"]);
    expect(r.code).toBe(0);
    expect(r.out).toContain("[WARN] Visibility: Presence of user0 not visible — add a Visibility entry");
  });

  it("checks TLS: fails without trust, passes with --ca or --insecure", async () => {
    sim = await startPbxSimulator({ tls: true, users: makeUsers(1) });
    const dir = mkdtempSync(join(tmpdir(), "pbx-ca-"));
    const ca = join(dir, "ca.pem");
    writeFileSync(ca, sim.certPem!);
    const args = [...base(), "--protocol", "wss", "--password", "secret"];
    const bad = await run(args);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain("Connect step failed");
    expect((await run([...args, "--ca", ca])).code).toBe(0);
    expect((await run([...args, "--insecure"])).code).toBe(0);
  });

  it("exits 2 on bad usage and reports a refused connection", async () => {
    expect((await run(["pbx", "test", "--server", "x"])).code).toBe(2);
    const r = await testInnovaphoneConnection(
      { server: "127.0.0.1", port: 1, protocol: "ws", username: "a", password: "b" },
      { timeoutMs: 2000 },
    );
    expect(r.ok).toBe(false);
    expect(r.steps[0]).toMatchObject({ step: "Connect", ok: false });
  });

  it("is bounded by its timeout against a silent PBX", async () => {
    sim = await startPbxSimulator({ users: makeUsers(1) });
    sim.setFaults({ dropReplies: true });
    const t0 = Date.now();
    const r = await testInnovaphoneConnection(
      { server: "127.0.0.1", port: sim.port, protocol: "ws", username: "presence-hub", password: "secret" },
      { timeoutMs: 600 },
    );
    expect(Date.now() - t0).toBeLessThan(1500);
    expect(r.ok).toBe(false);
  });
});

describe("presence-hub sim pbx", () => {
  it("starts from a users file and serves the control API", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pbx-sim-"));
    const file = join(dir, "users.yaml");
    writeFileSync(file, "users:\n  - h323: alice\n    cfpr: true\n");
    const { runPbxSimulatorCli } = await import("../../connectors/innovaphone/simulator/cli.js");
    let out = "";
    const o = vi.spyOn(process.stdout, "write").mockImplementation((s) => {
      out += String(s);
      return true;
    });
    const code = await runPbxSimulatorCli(["--users", file, "--app", "hub", "--password", "pw"]);
    o.mockRestore();
    expect(code).toBe(-1);
    const url = /Control API:\s+(\S+)/.exec(out)![1];
    const users = (await (await fetch(url)).json()) as Array<{ h323: string }>;
    expect(users.map((u) => u.h323)).toEqual(["alice"]);
    const port = Number(/:(\d+)\//.exec(url)![1]);
    const r = await testInnovaphoneConnection({
      server: "127.0.0.1",
      port,
      protocol: "ws",
      username: "hub",
      password: "pw",
    });
    expect(r.ok).toBe(true);
    process.emit("SIGTERM");
  });
});
