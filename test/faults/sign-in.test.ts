// Regression test for finding F1 (fixed in connectors/teams/adapter.ts 5ae5f6e): two service accounts signed in
// back to back while the Teams adapter is still generating its notification certificate. Before the fix a
// stale start run replaced the newer run's subscription manager and 350 of 1,000 users stayed on polling
// (reproduced in about half of the runs). Asserted through the Graph simulator: every user is in exactly one
// live subscription, one per service account, and a Teams change of a user from the second shard arrives.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningHub } from "../../server/run-hub.js";
import { FAST_SYNC, fastFactories } from "./factories.js";
import { configureHub, converged, RULE_TYPE, startHub, startWorld, until, type World } from "./harness.js";

const USERS = 1000; // 2 service accounts (≤ 650 users per presence subscription)

describe("back-to-back service-account sign-ins (F1)", () => {
  let world: World;
  let running: RunningHub;
  let dataDir: string;

  beforeAll(async () => {
    world = await startWorld(USERS);
    dataDir = mkdtempSync(join(tmpdir(), "ph-signin-"));
    running = await startHub(dataDir, 0, { ...fastFactories(11), sync: FAST_SYNC });
    await configureHub(running.hub, running.url, world, 60_000); // signs both accounts in without pausing
  }, 90_000);

  afterAll(async () => {
    await running?.close();
    await world?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it("every user ends up in exactly one live subscription, one per service account", async () => {
    const covered = () => {
      const ids: string[] = [];
      for (const s of world.graph.subscriptions()) {
        const m = /\(([^)]*)\)/.exec(String(s.resource));
        if (m) ids.push(...m[1].split(",").map((x) => x.trim().replace(/^'|'$/g, "")));
      }
      return ids;
    };
    await until("all users covered by Graph subscriptions", () => new Set(covered()).size === USERS, 30_000, 200);
    const ids = covered();
    expect(ids.length).toBe(USERS); // nobody twice
    const subs = world.graph.subscriptions();
    expect(subs.length).toBe(2);
    expect(new Set(subs.map((s) => s.creatorId)).size).toBe(2);
    expect(running.hub.teams.get().status.reason).toMatch(/1000 of 1000/);

    // A user in the second shard gets a Teams call: it reaches the PBX (live notification, not a 30 s poll).
    const last = world.users[USERS - 1];
    world.setClient(last, { availability: "Busy", activity: "InACall" });
    await converged(world, () => running.registry.get(RULE_TYPE)!, world.graph.clientId, 10_000);
  }, 60_000);
});
