// `presence-hub demo` as a function (the CLI command and the browser tests both use it): starts the PBX
// simulator and the Graph simulator on loopback with the seeded people, runs the hub in a temporary (or
// given) data directory, then configures it exactly as an admin would through the facade: an
// innovaphone-dnd connector (online), Microsoft 365 against the Graph simulator, the service account
// signed in through the real redirect, endpoints matched.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type PbxSimulator, startPbxSimulator } from "../../connectors/innovaphone/simulator/server.js";
import { type GraphSimulator, startGraphSimulator } from "../../connectors/teams/simulator/server.js";
import { HubError } from "../../common/errors.js";
import { type RunningHub, runHub } from "../run-hub.js";
import { type HubConfig, loadConfig } from "../config.js";
import type { ConnectorView } from "../hub/types.js";
import { DEMO_APP, DEMO_DEFAULT_DESTINATION, DEMO_PEOPLE, demoGraphUsers, demoPbxUsers } from "./seed.js";

export interface DemoOptions {
  /** Keep data here (default: a fresh temp directory, removed on close). */
  dataDir?: string;
  /** Hub port (default 8080; 0 = any free port). */
  port?: number;
  /** Generated extra users on both sides (to see paging and search). */
  extraUsers?: number;
  /** Admin password (default: PRESENCE_HUB_ADMIN_PASSWORD, else generated; always printed by the demo). */
  adminPassword?: string;
  /** Environment for the config (default process.env; tests pass their own). */
  env?: NodeJS.ProcessEnv;
  /** Poll interval for Teams presence when no subscription is possible. */
  pollIntervalSeconds?: number;
}

export interface DemoHandle {
  hub: RunningHub;
  /** The admin password the demo runs with (chosen or generated); the demo prints it. */
  adminPassword: string;
  pbx: PbxSimulator;
  graph: GraphSimulator;
  connector: ConnectorView;
  /** Graph user id by demo key (alice, bob, …). */
  teamsIds: Record<string, string>;
  /** True when the service account sign-in worked (subscriptions), false when the hub polls. */
  serviceAccount: boolean;
  close(): Promise<void>;
}

async function waitFor<T>(what: string, fn: () => T | undefined | false, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new HubError("TIMEOUT", `demo: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function runDemo(opts: DemoOptions = {}): Promise<DemoHandle> {
  const tempDir = opts.dataDir ? undefined : mkdtempSync(join(tmpdir(), "presence-hub-demo-"));
  const dataDir = opts.dataDir ?? (tempDir as string);
  const extra = opts.extraUsers ?? 0;
  const cleanup: (() => Promise<void>)[] = [];
  const closeAll = async () => {
    for (const fn of cleanup.reverse()) await fn().catch(() => {});
    if (tempDir) rmSync(tempDir, { recursive: true, force: true });
  };
  try {
    const pbx = await startPbxSimulator({ host: "127.0.0.1", port: 0, apps: [{ ...DEMO_APP }], users: demoPbxUsers(extra) });
    cleanup.push(() => pbx.close());
    const graph = await startGraphSimulator({ host: "127.0.0.1", port: 0, http: true, users: demoGraphUsers(extra) });
    cleanup.push(() => graph.close());

    const env = opts.env ?? process.env;
    // The demo always knows its password, so it can always print a working login — also when the first
    // attempt (port 8080 taken) already stored a first-run hash in the data directory.
    const adminPassword = opts.adminPassword || env.PRESENCE_HUB_ADMIN_PASSWORD || generateDemoPassword();
    // The demo always stays on loopback, whatever PRESENCE_HUB_HOST says.
    const configFor = (port: number): HubConfig =>
      loadConfig({
        env: {
          ...env,
          PRESENCE_HUB_ADMIN_PASSWORD: adminPassword,
          PRESENCE_HUB_ADMIN_PASSWORD_HASH: "",
          PRESENCE_HUB_PUBLIC_URL: "",
        },
        overrides: { dataDir, host: "127.0.0.1", port },
      });
    let hub: RunningHub;
    try {
      hub = await runHub(configFor(opts.port ?? 8080));
    } catch (e) {
      // 8080 taken and no port asked for: any free port will do for a demo.
      if ((e as NodeJS.ErrnoException).code !== "EADDRINUSE" || opts.port !== undefined) throw e;
      hub = await runHub(configFor(0));
    }
    cleanup.push(() => hub.close());

    // Microsoft 365 first, so the directory is there when the PBX users replicate.
    await hub.hub.teams.save({
      tenantId: graph.tenantId,
      clientId: graph.clientId,
      clientSecret: graph.clientSecret,
      authorityUrl: graph.url,
      graphUrl: graph.url,
      webhookBaseUrl: hub.url,
      pollIntervalSeconds: opts.pollIntervalSeconds ?? 5,
      enabled: true,
    });
    let serviceAccount = false;
    if (hub.hub.teams.beginServiceAccountSignIn) {
      // The same path a browser takes: authorize (the simulator consents at once) → our callback.
      const start = await hub.hub.teams.beginServiceAccountSignIn({ redirectUri: `${hub.url}/api/teams/service-accounts/callback` });
      const authorize = await fetch(start.url, { redirect: "manual" });
      const back = authorize.headers.get("location");
      if (back) {
        const cb = await fetch(back, { redirect: "manual" });
        serviceAccount = (cb.headers.get("location") ?? "").includes("signin=ok%3A");
      }
    }

    const connector = await hub.hub.connectors.create({
      type: "innovaphone-dnd",
      name: "Demo PBX",
      description: "innovaphone PBX simulator on this machine",
      config: {
        server: "127.0.0.1",
        port: pbx.port,
        protocol: "ws",
        username: DEMO_APP.name,
        password: DEMO_APP.password,
        defaultDestination: DEMO_DEFAULT_DESTINATION,
      },
    });
    await waitFor("the demo connector to come online", () => hub.hub.connectors.get(connector.id).status.state === "online");
    await hub.hub.teams.refresh().catch(() => undefined);
    await hub.hub.endpoints.rematch();
    const matchedExpected = DEMO_PEOPLE.filter((p) => p.pbx && p.teams).length + extra;
    await waitFor(
      "endpoints to be matched",
      () => hub.hub.endpoints.list({ matched: true, limit: 1 }).total >= matchedExpected,
    ).catch(() => undefined); // the UI shows what matched; a slow directory read is not fatal

    const teamsIds: Record<string, string> = {};
    for (const u of graph.users()) {
      const person = DEMO_PEOPLE.find((p) => p.teams?.mail === u.upn);
      if (person) teamsIds[person.key] = u.id;
    }
    return {
      hub,
      adminPassword,
      pbx,
      graph,
      connector: hub.hub.connectors.get(connector.id),
      teamsIds,
      serviceAccount,
      close: closeAll,
    };
  } catch (e) {
    await closeAll();
    throw e;
  }
}

/** A password to read off the screen and type: three groups of four letters and digits. */
function generateDemoPassword(): string {
  const alphabet = "abcdefghijkmnpqrstuvwxyz23456789"; // no 0/o, 1/l look-alikes
  const bytes = randomBytes(12);
  const chars = [...bytes].map((b) => alphabet[b % alphabet.length]);
  return [chars.slice(0, 4), chars.slice(4, 8), chars.slice(8)].map((g) => g.join("")).join("-");
}

/**
 * The instructions printed after start: every command pasteable as it is (real ids, no placeholders):
 * a Teams call diverts a PBX call, hanging up rings again, a PBX call shows in Teams.
 */
export function demoInstructions(d: DemoHandle): string {
  const g = d.graph.url;
  const p = d.pbx.httpUrl;
  const json = "-H 'content-type: application/json'";
  const alice = d.teamsIds.alice;
  return [
    "Try it (in a second terminal):",
    "",
    "  1. Alice starts a Teams call (Graph simulator):",
    `     curl -s -X POST ${json} -d '{"availability":"Busy","activity":"InACall"}' ${g}/_emulator/users/${alice}/client`,
    "  2. Someone dials Alice's PBX extension 101 — the PBX diverts the call (to her CFB 199):",
    `     curl -s -X POST ${json} -d '{"ring":false}' ${p}/_sim/users/alice/dial`,
    "  3. Alice hangs up in Teams, and her phone rings again:",
    `     curl -s -X POST ${json} -d '{"availability":"Available","activity":"Available"}' ${g}/_emulator/users/${alice}/client`,
    `     curl -s -X POST ${json} -d '{"ring":false}' ${p}/_sim/users/alice/dial`,
    "",
    "  4. Bob is on a PBX call — Teams shows him as Do Not Disturb; after he hangs up, Available again:",
    `     curl -s -X POST ${json} -d '{"peer":"030123456","answer":true}' ${p}/_sim/users/bob/calls`,
    `     curl -s ${g}/_emulator/users/${d.teamsIds.bob}          # → "presence":{"availability":"DoNotDisturb",…}`,
    `     curl -s -X DELETE ${p}/_sim/users/bob/calls`,
    "",
    "  Watch it live on the Endpoints page; every decision is explained in the user's timeline.",
    "",
    "  Add a connector of your own (PBX Connectors → Add Pbx → Configure) and see Test turn green:",
    `     server 127.0.0.1, port ${d.pbx.port}, protocol ws, App object "${DEMO_APP.name}", password "${DEMO_APP.password}"`,
  ].join("\n");
}
