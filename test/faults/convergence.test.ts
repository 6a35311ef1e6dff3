// Fault test: a seeded stream of Teams presence changes and PBX calls runs through a real hub (HTTP + Graph
// webhook + SQLite + real adapters) against the PBX and Graph simulators while faults hit both sides: every
// PBX connection dropped (twice on schedule, three times at seeded random steps), delayed PBX replies, a
// silent PBX (replies dropped), Graph 429 with Retry-After and 503 on presence writes, and every Graph
// subscription lost silently. When the faults stop,
// every endpoint on both sides must reach what the rule set derives from the latest injected presence —
// asserted on ALL users through the simulators' own state, never the hub's view. Users come in three
// groups so every final state is observable: Teams-only changes, PBX-only calls, and both (calls end last,
// because Graph reports only the aggregate and the hub's DND session masks the user's own changes).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningHub } from "../../server/run-hub.js";
import { FAST_SYNC, fastFactories } from "./factories.js";
import { CLIENT_PAIRS, configureHub, converged, mismatches, prng, RULE_TYPE, startHub, startWorld, type World } from "./harness.js";

const USERS = 60;
const STEPS = 360;
const STEP_MS = 20;
const SEED = 0x5eed_0006;

describe("convergence under PBX and Graph faults during a stream of presence changes", () => {
  let world: World;
  let running: RunningHub;
  let dataDir: string;

  beforeAll(async () => {
    world = await startWorld(USERS);
    dataDir = mkdtempSync(join(tmpdir(), "ph-faults-"));
    running = await startHub(dataDir, 0, { ...fastFactories(SEED), sync: FAST_SYNC });
    await configureHub(running.hub, running.url, world);
  }, 60_000);

  afterAll(async () => {
    await running?.close();
    await world?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it("starts converged (all neutral)", async () => {
    const rs = () => running.registry.get(RULE_TYPE)!;
    await converged(world, rs, world.graph.clientId, 20_000);
  });

  it("every endpoint converges on both sides after drops, delays, silent PBX, 429/503 and a lost subscription", async () => {
    const { pbx, graph } = world;
    const rnd = prng(SEED);
    const loginsBefore = pbx.stats().logins;
    graph.clearLogs();
    const faultAt: Record<number, () => void> = {
      40: () => pbx.dropAll(),
      70: () => pbx.setFaults({ delayMs: 250 }),
      110: () => {
        graph.addFault({ match: "POST /v1.0/users/[^/]+/presence/setPresence", status: 429, headers: { "Retry-After": "1" }, times: 15 });
      },
      140: () => pbx.setFaults({ delayMs: 0, dropReplies: true }),
      190: () => pbx.setFaults({ dropReplies: false }),
      200: () => {
        graph.addFault({ match: "POST /v1.0/users/[^/]+/presence/(setPresence|clearPresence)", status: 503, times: 15 });
      },
      230: () => {
        for (const s of graph.subscriptions()) graph.loseSubscription(String(s.id));
      },
      260: () => pbx.dropAll(),
    };
    // Plus connection drops at seeded random steps (on top of the fixed schedule above).
    const randomDrops = new Set(Array.from({ length: 3 }, () => 20 + Math.floor(rnd() * (STEPS - 60))));
    for (let step = 0; step < STEPS; step++) {
      faultAt[step]?.();
      if (randomDrops.has(step)) pbx.dropAll();
      const u = world.users[Math.floor(rnd() * world.users.length)];
      const group = u.index % 3; // 0 Teams only, 1 PBX only, 2 both
      const inj = world.injected.get(u.h323)!;
      const pbxMove = group === 1 || (group === 2 && rnd() < 0.5);
      if (!pbxMove) world.setClient(u, CLIENT_PAIRS[Math.floor(rnd() * CLIENT_PAIRS.length)]);
      else if (!inj.call) world.startCall(u);
      else if (rnd() < 0.3) world.holdCall(u, inj.callState !== "held");
      else world.endCall(u);
      await new Promise((r) => setTimeout(r, STEP_MS));
    }
    // Faults stop; the mixed group's calls end so their Teams input is observable again.
    pbx.setFaults({ delayMs: 0, dropReplies: false });
    graph.clearFaults();
    for (const u of world.users) if (u.index % 3 === 2) world.endCall(u);

    const rs = () => running.registry.get(RULE_TYPE)!;
    const ms = await converged(world, rs, graph.clientId, 45_000);
    expect(mismatches(world, rs(), graph.clientId)).toEqual([]);

    // The faults really happened (otherwise this test proves nothing).
    expect(pbx.stats().logins - loginsBefore).toBeGreaterThanOrEqual(2);
    const statuses = graph.requests().map((r) => r.status);
    expect(statuses).toContain(429);
    expect(statuses).toContain(503);
    const busy = [...world.injected.values()].filter((i) => i.callState !== "idle").length;
    expect(busy).toBeGreaterThan(0);
    // Still running and healthy afterwards.
    expect(running.hub.health().ok).toBe(true);
    console.info(`converged ${ms} ms after the faults stopped; ${busy} PBX call(s) still active`);
  }, 120_000);

  it("a quiet period changes nothing (no ping-pong, nothing flaps back)", async () => {
    const rs = () => running.registry.get(RULE_TYPE)!;
    const before = world.pbx.log().length;
    await new Promise((r) => setTimeout(r, 1500));
    expect(mismatches(world, rs(), world.graph.clientId)).toEqual([]);
    const writes = world.pbx
      .log()
      .slice(before)
      .filter((e) => typeof e.msg === "object" && e.msg.mt === "SetPresence");
    expect(writes).toEqual([]);
  });
});
