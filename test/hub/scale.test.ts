// Scale sanity (not a benchmark): 10,000 PBX users replicate into endpoints, match and reach the core in
// one burst without quadratic work; a Teams change for one of them still takes the short path.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { openHub } from "../../server/hub/hub.js";
import { FakePbx, FakeTeams, until } from "../sync/fakes.js";
import { shippedRules } from "../sync/harness.js";

it("10,000 endpoints: replicated, matched and synchronized quickly", async () => {
  const N = 10_000;
  const dir = mkdtempSync(join(tmpdir(), "hub-scale-"));
  const pbx = new FakePbx();
  const users = [];
  for (let i = 0; i < N; i++) {
    pbx.addUser({ guid: `g${i}`, h323: `u${i}`, cn: `User ${i}`, emails: [`user${i}@example.com`] });
    users.push({
      id: `t${i}`,
      displayName: `User ${i}`,
      mail: `user${i}@example.com`,
      userPrincipalName: `user${i}@example.com`,
    });
  }
  const teams = new FakeTeams(users);
  const ok = { ok: true, summary: "", steps: [] };
  const hub = await openHub({
    dataDir: dir,
    registry: await shippedRules(),
    adapterFactories: { innovaphone: { create: () => pbx, test: async () => ok } },
    teamsFactory: { create: () => teams, test: async () => ok },
  });
  try {
    const t0 = Date.now();
    await hub.teams.save({ tenantId: "t", clientId: "c", clientSecret: "s" });
    await hub.connectors.create({
      type: "innovaphone-dnd",
      name: "Big PBX",
      config: { server: "pbx", port: 443, username: "app", password: "pw", defaultDestination: "200" },
    });
    await until(() => hub.endpoints.list({ matched: true, limit: 1 }).total === N, 30_000, "all matched");
    await until(() => pbx.watched.length === N, 30_000, "all watched");
    const elapsed = Date.now() - t0;
    expect(elapsed).toBeLessThan(30_000);
    const t1 = Date.now();
    teams.userSet("t4242", "Busy", "InACall");
    await until(() => pbx.hubSlot("g4242")?.activity === "dnd", 5000, "one change applied");
    expect(Date.now() - t1).toBeLessThan(2000);
    const page = hub.endpoints.list({ search: "user 42", limit: 20 });
    expect(page.total).toBeGreaterThan(0);
    // The burst is summarised in the event log, not one row per endpoint and direction (at 100,000 that
    // was more than the log keeps); the one real change above is there with its decision.
    const logged = await hub.events.list({ kind: "endpoint,decision", limit: 1000 });
    expect(logged.length).toBeLessThan(100);
    const matched = logged.filter((e) => e.kind === "endpoint.matched");
    expect(matched.reduce((n, e) => n + Number((e.details as { matched?: number } | undefined)?.matched ?? 0), 0)).toBe(N);
    expect(logged.some((e) => e.kind === "decision.teamsToPbx" && e.endpointId === hub.endpoints.list({ search: "User 4242", limit: 1 }).items[0]?.id)).toBe(true);
  } finally {
    await hub.close({ undo: false });
    rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);
