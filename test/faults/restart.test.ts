// Fault test: the hub process is SIGKILLed mid-stream and started again on the same data directory and port
// (test/faults/hub-child.ts runs runHub, what `presence-hub start` runs). Asserted through the simulators:
//   - the hub set DND + the default-destination CFB and a Teams DND session before the kill; after the restart
//     it still knows they are its own and undoes them when the Teams call / PBX call ends (one PBX call even
//     ends while the hub is down);
//   - the stream went on during the downtime; afterwards every endpoint converges on both sides to what the
//     rule set derives from the latest presence (zero stuck or lost states).
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_HUB_CONTACT } from "../../connectors/innovaphone/config.js";
import { RuleRegistry } from "../../engine/rules/registry.js";
import {
  CLIENT_PAIRS,
  DEFAULT_DESTINATION,
  converged,
  freePort,
  mismatches,
  prng,
  RULE_TYPE,
  startWorld,
  until,
  type World,
  type WorldUser,
} from "./harness.js";

const USERS = 30;
const SEED = 0x6b111;
const CHILD = fileURLToPath(new URL("./hub-child.ts", import.meta.url));
const RULES = fileURLToPath(new URL("../../rules", import.meta.url));

interface HubProcess {
  child: ChildProcess;
  stderr: string[];
}

async function spawnHub(env: Record<string, string>): Promise<HubProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", CHILD], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const stderr: string[] = [];
  child.stderr?.on("data", (d) => stderr.push(String(d)));
  await new Promise<void>((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`hub child not ready in 60 s: ${stderr.join("").slice(-2000)}`)), 60_000);
    child.stdout?.on("data", (d) => {
      out += String(d);
      if (out.includes("READY ")) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`hub child exited (${code}): ${stderr.join("").slice(-2000)}`));
    });
  });
  return { child, stderr };
}

function kill9(p: HubProcess): Promise<void> {
  return new Promise((resolve) => {
    if (p.child.exitCode !== null || p.child.signalCode !== null) return resolve();
    p.child.once("exit", () => resolve());
    p.child.kill("SIGKILL");
  });
}

const slotOf = (world: World, u: WorldUser) =>
  ((world.pbx.user(u.h323).presence as { contact: string; activity: string }[]).find((p) => p.contact === DEFAULT_HUB_CONTACT)?.activity ?? "");
const cfbsOf = (world: World, u: WorldUser) =>
  (world.pbx.user(u.h323).cds as { type: string; e164?: string }[]).filter((c) => c.type === "cfb").map((c) => c.e164);
const sessionOf = (world: World, u: WorldUser) => world.graph.users().find((g) => g.id === u.teamsId)?.sessions.get(world.graph.clientId);

describe("hub SIGKILLed and restarted mid-stream", () => {
  let world: World;
  let dataDir: string;
  let hub: HubProcess | undefined;
  let env: Record<string, string>;
  const registry = new RuleRegistry();

  beforeAll(async () => {
    await registry.load(RULES);
    world = await startWorld(USERS);
    dataDir = mkdtempSync(join(tmpdir(), "ph-restart-"));
    const g = world.graph;
    env = {
      FAULTS_DATA_DIR: dataDir,
      FAULTS_PORT: String(await freePort()),
      FAULTS_SEED: String(SEED),
      LOG_LEVEL: "warn",
      FAULTS_WORLD: JSON.stringify({
        graph: { url: g.url, tenantId: g.tenantId, clientId: g.clientId, clientSecret: g.clientSecret, serviceAccounts: g.serviceAccounts },
        pbx: { port: world.pbx.port },
        users: world.users,
      }),
    };
    hub = await spawnHub({ ...env, FAULTS_CONFIGURE: "1" });
  }, 90_000);

  afterAll(async () => {
    if (hub) await kill9(hub);
    await world?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it("undoes what it set before the kill, and every endpoint converges after the restart", async () => {
    const rs = () => registry.get(RULE_TYPE)!;
    const appId = world.graph.clientId;
    await converged(world, rs, appId, 30_000);
    // Witnesses: a Teams call on a user without own CFB (hub adds the default destination), and two PBX calls.
    const noCfb = world.users.filter((u) => !u.ownCfb && u.index % 3 === 0);
    const [w1, w4] = noCfb;
    const [w2, w3] = world.users.filter((u) => u.index % 3 === 1);
    world.setClient(w1, { availability: "Busy", activity: "InACall" });
    world.setClient(w4, { availability: "Busy", activity: "InAMeeting" });
    world.startCall(w2);
    world.startCall(w3);
    await until(
      "the hub's DND + CFB on the PBX and its DND sessions in Teams",
      () =>
        slotOf(world, w1) === "dnd" &&
        cfbsOf(world, w1).includes(DEFAULT_DESTINATION) &&
        slotOf(world, w4) === "dnd" &&
        sessionOf(world, w2)?.availability === "DoNotDisturb" &&
        sessionOf(world, w3)?.availability === "DoNotDisturb",
      30_000,
    );

    // A stream of changes; the hub is SIGKILLed in the middle of it and the stream goes on while it is down.
    const rnd = prng(SEED);
    const others = world.users.filter((u) => ![w1, w2, w3, w4].includes(u));
    const step = () => {
      const u = others[Math.floor(rnd() * others.length)];
      const inj = world.injected.get(u.h323)!;
      const group = u.index % 3;
      if (group === 0 || (group === 2 && rnd() < 0.5)) world.setClient(u, CLIENT_PAIRS[Math.floor(rnd() * CLIENT_PAIRS.length)]);
      else if (!inj.call) world.startCall(u);
      else world.endCall(u);
    };
    for (let i = 0; i < 60; i++) {
      step();
      await new Promise((r) => setTimeout(r, 15));
    }
    await kill9(hub!);
    hub = undefined;
    // While the hub is down: more changes, one witness's PBX call ends, the other witness's Teams meeting ends.
    for (let i = 0; i < 40; i++) step();
    world.endCall(w3);
    world.setClient(w4, { availability: "Available", activity: "Available" });
    // The hub's state really is still on both sides (nobody undid it), and the checker sees the divergence
    // (w3's call ended and w4's meeting ended while nobody synchronizes) — the convergence check can fail.
    expect(slotOf(world, w1)).toBe("dnd");
    expect(sessionOf(world, w3)?.availability).toBe("DoNotDisturb");
    const diverged = mismatches(world, rs(), appId);
    expect(diverged.some((m) => m.startsWith(`${w3.h323} teams session`))).toBe(true);
    expect(diverged.some((m) => m.startsWith(`${w4.h323} pbx slot`))).toBe(true);

    hub = await spawnHub(env);
    for (let i = 0; i < 60; i++) {
      step();
      await new Promise((r) => setTimeout(r, 15));
    }
    // The Teams call and the remaining PBX call end after the restart: the hub must undo what it set before.
    world.setClient(w1, { availability: "Available", activity: "Available" });
    world.endCall(w2);
    for (const u of world.users) if (u.index % 3 === 2) world.endCall(u);

    await converged(world, rs, appId, 45_000);
    expect(slotOf(world, w1)).toBe("");
    expect(cfbsOf(world, w1)).toEqual([]); // the default destination the hub added is gone
    expect(slotOf(world, w4)).toBe("");
    expect(cfbsOf(world, w4)).toEqual([]);
    expect(sessionOf(world, w2)).toBeUndefined();
    expect(sessionOf(world, w3)).toBeUndefined();
    expect(hub.child.exitCode).toBeNull();
  }, 150_000);
});
