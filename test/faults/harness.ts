// Shared harness of the fault tests and the end-to-end bench: a "world" of N users that exist on the PBX
// simulator and in the Graph simulator (real sockets on loopback), a real hub (runHub: HTTP server with the
// Graph webhook, SQLite, sync core, real adapters) configured exactly as an admin would through the facade,
// and a convergence check that compares BOTH simulators' state (never the hub's own view) with what the
// active rule set derives from the latest presence the test injected.
import { createServer } from "node:net";
import { DEFAULT_HUB_CONTACT } from "../../connectors/innovaphone/config.js";
import { type PbxSimulator, startPbxSimulator } from "../../connectors/innovaphone/simulator/server.js";
import type { PbxSimulatorOptions, SimCd, SimUserInput } from "../../connectors/innovaphone/simulator/types.js";
import { type GraphSimulator, type GraphSimulatorOptions, startGraphSimulator } from "../../connectors/teams/simulator/server.js";
import type { PbxCallState } from "../../engine/presence.js";
import type { ActiveRuleSet } from "../../engine/rules/types.js";
import { type RunningHub, runHub } from "../../server/run-hub.js";
import { loadConfig } from "../../server/config.js";
import type { Hub, OpenHubOptions } from "../../server/hub/types.js";
import { graphSimSettings, pbxSimConfig } from "../hub/sim-settings.js";

export const APP = { name: "presence-hub", password: "faults-app-Passw0rd" } as const;
export const DEFAULT_DESTINATION = "299";
export const OWN_CFB = "199";
export const ADMIN_PASSWORD = "faults-admin-Passw0rd";
export const RULE_TYPE = "innovaphone-dnd";

export interface WorldUser {
  index: number;
  /** PBX h323 name (simulator key). */
  h323: string;
  guid: string;
  teamsId: string;
  /** The user's own CFB destination, or null (then the hub falls back to the connector's default). */
  ownCfb: string | null;
}

/** What the test injected last: the inputs the expected state is derived from. */
export interface Injected {
  client: { availability: string; activity: string };
  callState: PbxCallState;
  /** Active PBX call id (connected or held), if any. */
  call: string | null;
}

export interface World {
  pbx: PbxSimulator;
  graph: GraphSimulator;
  users: WorldUser[];
  injected: Map<string, Injected>;
  /** Set the user's Teams client presence (and remember it as the latest input). */
  setClient(u: WorldUser, pair: { availability: string; activity: string }): void;
  /** Start + answer a PBX call (connected). */
  startCall(u: WorldUser): void;
  holdCall(u: WorldUser, hold: boolean): void;
  endCall(u: WorldUser): void;
  close(): Promise<void>;
}

const pad = (i: number) => String(i).padStart(5, "0");

/** Users u00001…: every second one has an own CFB, the others need the connector's default destination. */
export async function startWorld(
  n: number,
  opts: { pbx?: PbxSimulatorOptions; graph?: GraphSimulatorOptions; ownCfbEvery?: number } = {},
): Promise<World> {
  const every = opts.ownCfbEvery ?? 2;
  const pbxUsers: SimUserInput[] = [];
  const graphUsers: { upn: string; displayName: string; mail: string; client: { availability: string; activity: string } }[] = [];
  for (let i = 1; i <= n; i++) {
    const mail = `u${pad(i)}@faults.example`;
    const cds: SimCd[] = i % every === 0 ? [{ type: "cfb", e164: OWN_CFB }] : [];
    pbxUsers.push({ guid: i.toString(16).padStart(32, "0"), h323: `u${pad(i)}`, cn: `User ${pad(i)}`, e164: String(30000 + i), emails: [mail], cfpr: true, cds });
    graphUsers.push({ upn: mail, displayName: `User ${pad(i)}`, mail, client: { availability: "Available", activity: "Available" } });
  }
  const pbx = await startPbxSimulator({ host: "127.0.0.1", port: 0, apps: [{ ...APP }], users: pbxUsers, rccTickMs: 0, ...opts.pbx });
  // Graph allows one presence subscription (≤ 650 users) per app + signed-in user: one service account per 650.
  const serviceAccounts = Array.from({ length: Math.max(1, Math.ceil(n / 650)) }, (_, k) => ({ upn: `presence-svc${k + 1}@faults.example` }));
  const graph = await startGraphSimulator({ host: "127.0.0.1", port: 0, http: true, users: graphUsers, serviceAccounts, retryBaseMs: 200, ...opts.graph });
  const idByUpn = new Map(graph.users().map((u) => [u.upn.toLowerCase(), u.id]));
  const users: WorldUser[] = pbxUsers.map((p, k) => ({
    index: k + 1,
    h323: p.h323,
    guid: p.guid as string,
    teamsId: idByUpn.get((p.emails as string[])[0]) as string,
    ownCfb: p.cds?.length ? OWN_CFB : null,
  }));
  const injected = new Map<string, Injected>();
  for (const u of users) injected.set(u.h323, { client: { availability: "Available", activity: "Available" }, callState: "idle", call: null });
  const inj = (u: WorldUser) => injected.get(u.h323) as Injected;
  return {
    pbx,
    graph,
    users,
    injected,
    setClient(u, pair) {
      graph.setClientPresence(u.teamsId, pair as never);
      inj(u).client = { ...pair };
    },
    startCall(u) {
      const s = inj(u);
      if (s.call) return;
      s.call = pbx.startCall(u.h323, { direction: "in", peer: "0301234" });
      pbx.answerCall(s.call);
      s.callState = "connected";
    },
    holdCall(u, hold) {
      const s = inj(u);
      if (!s.call) return;
      pbx.holdCall(s.call, hold);
      s.callState = hold ? "held" : "connected";
    },
    endCall(u) {
      const s = inj(u);
      if (!s.call) return;
      pbx.endCall(s.call);
      s.call = null;
      s.callState = "idle";
    },
    async close() {
      await Promise.allSettled([pbx.close(), graph.close()]);
    },
  };
}

/** A free TCP port on loopback (for a hub that must come back on the same URL after a restart). */
export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

/** runHub on loopback with the shipped rules and a data directory; `extra` tunes the sync core. */
export async function startHub(
  dataDir: string,
  port = 0,
  extra: Partial<OpenHubOptions> = {},
  more: { rulesDir?: string; apiToken?: string } = {},
): Promise<RunningHub> {
  const config = loadConfig({
    env: { PRESENCE_HUB_ADMIN_PASSWORD: ADMIN_PASSWORD, ...(more.apiToken ? { PRESENCE_HUB_API_TOKEN: more.apiToken } : {}) },
    overrides: { dataDir, host: "127.0.0.1", port, ...(more.rulesDir ? { rulesDir: more.rulesDir } : {}) },
  });
  return runHub(config, extra);
}

export async function until<T>(what: string, fn: () => T | Promise<T>, timeoutMs: number, everyMs = 50): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    last = await fn();
    if (last) return last;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/**
 * Configure Microsoft 365 (webhook at the hub's URL, service account signed in through the real redirect)
 * and one innovaphone-dnd connector, as the demo and an admin do. Resolves when the connector is online and
 * every user is matched. Returns the connector id.
 */
export async function configureHub(hub: Hub, hubUrl: string, world: World, timeoutMs = 30_000): Promise<string> {
  const { graph, pbx } = world;
  await hub.teams.save(graphSimSettings(graph, { webhookBaseUrl: hubUrl, pollIntervalSeconds: 30, enabled: true }));
  if (!hub.teams.beginServiceAccountSignIn) throw new Error("the Teams connector has no service-account sign-in");
  // Every service account signs in through the real redirect (authorize → the hub's callback).
  for (const account of graph.serviceAccounts) {
    const start = await hub.teams.beginServiceAccountSignIn({ redirectUri: `${hubUrl}/api/teams/service-accounts/callback` });
    const url = `${start.url}&login_hint=${encodeURIComponent(account.upn)}`;
    const back = (await fetch(url, { redirect: "manual" })).headers.get("location");
    if (!back) throw new Error("the Graph simulator did not redirect back");
    const cb = await fetch(back, { redirect: "manual" });
    if (!(cb.headers.get("location") ?? "").includes("signin=ok")) throw new Error(`service account sign-in failed: ${cb.headers.get("location")}`);
  }
  const connector = await hub.connectors.create({
    type: RULE_TYPE,
    name: "Fault PBX",
    config: pbxSimConfig(pbx, APP, { defaultDestination: DEFAULT_DESTINATION }),
  });
  await until("the connector to come online", () => hub.connectors.get(connector.id).status.state === "online", timeoutMs);
  await hub.teams.refresh().catch(() => undefined);
  await hub.endpoints.rematch();
  await until("every user matched", () => hub.endpoints.list({ matched: true, limit: 1 }).total >= world.users.length, timeoutMs, 200);
  return connector.id;
}

/**
 * Every disagreement between the simulators' state and what the rule set derives from the injected inputs,
 * on both sides, for every user. Empty = converged.
 */
export function mismatches(world: World, rs: ActiveRuleSet, appId: string): string[] {
  const out: string[] = [];
  const graphUsers = new Map(world.graph.users().map((u) => [u.id, u]));
  for (const u of world.users) {
    const inj = world.injected.get(u.h323) as Injected;
    // PBX side: the hub's contact slot and the CFB entries.
    const want = rs.decideTeamsToPbx({ ...inj.client, outOfOffice: false });
    const snap = world.pbx.user(u.h323) as { presence: { contact: string; activity: string; note?: string }[]; cds: SimCd[] };
    const slot = snap.presence.find((p) => p.contact === DEFAULT_HUB_CONTACT);
    const gotActivity = slot?.activity ?? "";
    if (gotActivity !== want.activity) out.push(`${u.h323} pbx slot "${gotActivity}" want "${want.activity}" (Teams ${inj.client.activity})`);
    else if (want.activity && (slot?.note ?? "") !== want.note) out.push(`${u.h323} pbx note "${slot?.note}" want "${want.note}"`);
    const cfbs = snap.cds.filter((c) => c.type === "cfb").map((c) => c.e164 ?? c.h323 ?? "?");
    const wantCfb = u.ownCfb ? [u.ownCfb] : want.activity && want.cfb === "ensure" ? [DEFAULT_DESTINATION] : [];
    if (cfbs.join(",") !== wantCfb.join(",")) out.push(`${u.h323} pbx cfb [${cfbs}] want [${wantCfb}] (slot "${gotActivity}")`);
    // Teams side: the hub's own Graph session (sessionId = app id) in the simulator.
    const wantTeams = rs.decidePbxToTeams({ callState: inj.callState, activity: "" }).presence;
    const session = graphUsers.get(u.teamsId)?.sessions.get(appId);
    const got = session ? `${session.availability}/${session.activity}` : "none";
    const wantStr = wantTeams ? `${wantTeams.availability}/${wantTeams.activity}` : "none";
    if (got !== wantStr) out.push(`${u.h323} teams session ${got} want ${wantStr} (PBX ${inj.callState})`);
  }
  return out;
}

/** Wait until `mismatches` is empty; on timeout, throw with the remaining disagreements (first 15). */
export async function converged(world: World, rs: () => ActiveRuleSet, appId: string, timeoutMs: number): Promise<number> {
  const t0 = Date.now();
  const end = t0 + timeoutMs;
  let last: string[] = [];
  for (;;) {
    const checkStart = performance.now();
    last = mismatches(world, rs(), appId);
    if (last.length === 0) return Date.now() - t0;
    if (Date.now() > end) {
      throw new Error(`not converged after ${timeoutMs} ms: ${last.length} disagreement(s):\n  ${last.slice(0, 15).join("\n  ")}`);
    }
    // The simulators share this process: with many users, leave them most of it between checks.
    await new Promise((r) => setTimeout(r, Math.max(100, 3 * (performance.now() - checkStart))));
  }
}

/** Small deterministic PRNG (mulberry32) so a failing stream can be replayed from its seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Teams client pairs the stream picks from (every branch of the innovaphone-dnd table + neutral ones). */
export const CLIENT_PAIRS = [
  { availability: "Available", activity: "Available" },
  { availability: "Busy", activity: "InACall" },
  { availability: "Busy", activity: "InAConferenceCall" },
  { availability: "Busy", activity: "InAMeeting" },
  { availability: "Busy", activity: "Busy" },
  { availability: "DoNotDisturb", activity: "Presenting" },
  { availability: "DoNotDisturb", activity: "DoNotDisturb" },
  { availability: "Away", activity: "Away" },
  { availability: "BeRightBack", activity: "BeRightBack" },
] as const;
