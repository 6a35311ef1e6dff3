// `presence-hub teams test` exit codes against the simulator (in-process through the command module, so the
// test does not depend on other commands compiling): 0 when usable, 1 naming the token step on a wrong
// secret, 2 on wrong usage. Also `sim graph` usage.
import { writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { testTeamsConnection } from "../../connectors/teams/connection-test.js";
import type { GraphSimulator } from "../../connectors/teams/simulator/server.js";
import { loadUsersFile } from "../../connectors/teams/simulator/users-file.js";
import { teamsCommand } from "../../server/cli/commands/teams.js";
import { signedInStore, sim, teamsConfig } from "./helpers.js";

function capture(): { out: () => string; restore: () => void } {
  let buf = "";
  const a = vi.spyOn(process.stdout, "write").mockImplementation((c) => {
    buf += String(c);
    return true;
  });
  const b = vi.spyOn(process.stderr, "write").mockImplementation((c) => {
    buf += String(c);
    return true;
  });
  return {
    out: () => buf,
    restore: () => {
      a.mockRestore();
      b.mockRestore();
    },
  };
}

describe("teams test CLI", () => {
  let s: GraphSimulator;
  let caFile: string;
  beforeAll(async () => {
    s = await sim({
      users: [
        { id: "u1", upn: "a@contoso.example", client: { availability: "Available", activity: "Available" } },
      ],
    });
    caFile = join(tmpdir(), `graph-sim-ca-${process.pid}.pem`);
    await writeFile(caFile, s.caPem!);
  });
  afterAll(async () => {
    await s.close();
  });
  const args = (secret: string) => [
    "test",
    "--tenant",
    s.tenantId,
    "--client-id",
    s.clientId,
    "--client-secret",
    secret,
    "--authority",
    s.url,
    "--graph",
    s.url,
    "--ca",
    caFile,
  ];

  it("exits 0 and reports every step when usable", async () => {
    const c = capture();
    const code = await teamsCommand.run(args(s.clientSecret));
    c.restore();
    expect(code).toBe(0);
    for (const step of ["Token", "Directory read", "Presence read", "Write permission", "Service account"])
      expect(c.out()).toContain(step);
  });

  it("exits 1 and names the token step for a wrong secret", async () => {
    const c = capture();
    const code = await teamsCommand.run(args("wrong"));
    c.restore();
    expect(code).toBe(1);
    expect(c.out()).toMatch(/\[FAIL\] Token: .*client secret is wrong/);
  });

  it("exits 2 on missing options", async () => {
    const c = capture();
    expect(await teamsCommand.run(["test", "--tenant", "x"])).toBe(2);
    c.restore();
  });

  it("reports a missing write permission and checks signed-in service accounts", async () => {
    const limited = await sim({
      clients: [{ clientId: "ro", clientSecret: "ro-secret", roles: ["Presence.Read.All", "User.Read.All"] }],
      users: [{ id: "u1", upn: "a@x" }],
    });
    const r = await testTeamsConnection(teamsConfig(limited), { timeoutMs: 5000 });
    expect(r.ok).toBe(false);
    expect(r.steps.find((x) => x.step === "Write permission")).toMatchObject({ ok: false });
    const store = await signedInStore(s);
    const ok = await testTeamsConnection(teamsConfig(s), { timeoutMs: 5000, tokenStore: store });
    expect(ok.ok).toBe(true);
    expect(ok.steps.find((x) => x.step.startsWith("Service account "))).toMatchObject({
      ok: true,
      level: "ok",
    });
    await limited.close();
  });

  it("loads the shipped example users file", async () => {
    const f = await loadUsersFile(join(process.cwd(), "connectors/teams/simulator/users.example.yaml"));
    expect(f.users.length).toBeGreaterThanOrEqual(4);
    expect(f.serviceAccounts?.length).toBe(1);
  });
});
