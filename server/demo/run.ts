// `presence-hub demo` as a function (the CLI command and the browser tests both use it): starts the PBX
// simulator and the Graph simulator on loopback with the seeded people, runs the hub in a temporary (or
// given) data directory, then configures it exactly as an admin would through the facade: an
// innovaphone-dnd connector (online), Microsoft 365 against the Graph simulator, the service account
// signed in through the real redirect, endpoints matched. With `tenants: 2` a second customer runs side
// by side — tenant "Fabrikam" with its own PBX and Graph simulators, Microsoft 365 settings, service
// account and connector — configured the same way after the first, whose story stays as it is.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type PbxSimulator, startPbxSimulator } from "../../connectors/innovaphone/simulator/server.js";
import { type GraphSimulator, startGraphSimulator } from "../../connectors/teams/simulator/server.js";
import { HubError } from "../../common/errors.js";
import { type RunningHub, runHub } from "../run-hub.js";
import { type HubConfig, loadConfig } from "../config.js";
import type { DemoCustomer, DemoHandle } from "./types.js";
import { DEFAULT_TENANT } from "../store/types.js";
import {
  DEMO_APP,
  DEMO_DEFAULT_DESTINATION,
  DEMO_PEOPLE,
  DEMO_SECOND,
  DEMO_SECOND_PEOPLE,
  type DemoPerson,
  demoGraphUsers,
  demoPbxUsers,
} from "./seed.js";

// The banner and the printed commands (banner.ts); the CLI and the tests import them from here.
export { demoBanner, demoInstructions } from "./banner.js";

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
  /** Customers: 1 (default) or 2 (a second tenant, Fabrikam, with its own simulators). */
  tenants?: number;
}

/** The second customer of a two-tenant demo. */
export type { DemoCustomer, DemoHandle } from "./types.js";

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

    const first = await connectCustomer(hub, {
      tenant: DEFAULT_TENANT,
      pbx,
      graph,
      connector: { name: "Demo PBX", description: "innovaphone PBX simulator on this machine" },
      app: DEMO_APP,
      defaultDestination: DEMO_DEFAULT_DESTINATION,
      people: DEMO_PEOPLE,
      extra,
      pollIntervalSeconds: opts.pollIntervalSeconds ?? 5,
    });

    let second: DemoCustomer | undefined;
    if ((opts.tenants ?? 1) >= 2) {
      // The second customer: its own simulators, tenant, Microsoft 365 settings and connector.
      const pbx2 = await startPbxSimulator({
        host: "127.0.0.1",
        port: 0,
        apps: [{ ...DEMO_SECOND.app }],
        users: demoPbxUsers(0, DEMO_SECOND_PEOPLE, DEMO_SECOND.domain),
      });
      // Closed after the hub (cleanup runs last-in first-out): the hub's stop undoes on this PBX too.
      cleanup.unshift(() => pbx2.close());
      const graph2 = await startGraphSimulator({
        host: "127.0.0.1",
        port: 0,
        http: true,
        tenantId: DEMO_SECOND.entraTenantId,
        clients: [{ clientId: DEMO_SECOND.clientId, clientSecret: randomBytes(18).toString("base64url") }],
        serviceAccounts: [{ upn: `presence-svc1@${DEMO_SECOND.domain}` }],
        users: demoGraphUsers(0, DEMO_SECOND_PEOPLE, DEMO_SECOND.domain),
      });
      cleanup.unshift(() => graph2.close());
      // Two customers: the default tenant gets the first customer's name, as a provider would name it.
      await hub.hub.tenants.update(DEFAULT_TENANT, { name: DEMO_SECOND.firstName });
      // A kept data directory (--data-dir) has the tenant from the last run: reuse it.
      const tenant = hub.hub.tenants.list().find((t) => t.id === DEMO_SECOND.tenantId)
        ?? (await hub.hub.tenants.create({ id: DEMO_SECOND.tenantId, name: DEMO_SECOND.name }));
      const c = await connectCustomer(hub, {
        tenant: tenant.id,
        pbx: pbx2,
        graph: graph2,
        connector: { name: `${DEMO_SECOND.name} PBX`, description: `${DEMO_SECOND.name}'s innovaphone PBX simulator` },
        app: DEMO_SECOND.app,
        defaultDestination: DEMO_SECOND.defaultDestination,
        people: DEMO_SECOND_PEOPLE,
        extra: 0,
        pollIntervalSeconds: opts.pollIntervalSeconds ?? 5,
      });
      second = { tenant: tenant.id, name: tenant.name, pbx: pbx2, graph: graph2, ...c };
    }
    return {
      hub,
      adminPassword,
      pbx,
      graph,
      ...first,
      ...(second ? { second } : {}),
      close: closeAll,
    };
  } catch (e) {
    await closeAll();
    throw e;
  }
}

interface CustomerSetup {
  tenant: string;
  pbx: PbxSimulator;
  graph: GraphSimulator;
  connector: { name: string; description: string };
  app: { name: string; password: string };
  defaultDestination: string;
  people: DemoPerson[];
  extra: number;
  pollIntervalSeconds: number;
}

/**
 * One customer configured as an admin would: Microsoft 365 against its Graph simulator, its service
 * account signed in through the real redirect (the hub's one callback URL finds the tenant), its connector
 * online, its endpoints matched.
 */
async function connectCustomer(
  hub: RunningHub,
  c: CustomerSetup,
): Promise<Pick<DemoCustomer, "connector" | "teamsIds" | "serviceAccount">> {
  const teams = hub.hub.teamsOf(c.tenant);
  // Microsoft 365 first, so the directory is there when the PBX users replicate.
  await teams.save({
    tenantId: c.graph.tenantId,
    clientId: c.graph.clientId,
    clientSecret: c.graph.clientSecret,
    authorityUrl: c.graph.url,
    graphUrl: c.graph.url,
    webhookBaseUrl: hub.url,
    pollIntervalSeconds: c.pollIntervalSeconds,
    enabled: true,
  });
  let serviceAccount = false;
  if (teams.beginServiceAccountSignIn) {
    // The same path a browser takes: authorize (the simulator consents at once) → our callback.
    const start = await teams.beginServiceAccountSignIn({ redirectUri: `${hub.url}/api/teams/service-accounts/callback` });
    const authorize = await fetch(start.url, { redirect: "manual" });
    const back = authorize.headers.get("location");
    if (back) {
      const cb = await fetch(back, { redirect: "manual" });
      serviceAccount = (cb.headers.get("location") ?? "").includes("signin=ok%3A");
    }
  }

  const connector = await hub.hub.connectors.create({
    // Connectors without a tenant belong to the default one (the one-customer demo never names it).
    ...(c.tenant === DEFAULT_TENANT ? {} : { tenant: c.tenant }),
    type: "innovaphone-dnd",
    name: c.connector.name,
    description: c.connector.description,
    config: {
      server: "127.0.0.1",
      port: c.pbx.port,
      protocol: "ws",
      username: c.app.name,
      password: c.app.password,
      defaultDestination: c.defaultDestination,
    },
  });
  await waitFor(
    `the connector "${c.connector.name}" to come online`,
    () => hub.hub.connectors.get(connector.id).status.state === "online",
  );
  await teams.refresh().catch(() => undefined);
  await hub.hub.endpoints.rematch(connector.id);
  const matchedExpected = c.people.filter((p) => p.pbx && p.teams).length + c.extra;
  await waitFor(
    "endpoints to be matched",
    () => hub.hub.endpoints.list({ tenant: c.tenant, matched: true, limit: 1 }).total >= matchedExpected,
  ).catch(() => undefined); // the UI shows what matched; a slow directory read is not fatal

  const teamsIds: Record<string, string> = {};
  for (const u of c.graph.users()) {
    const person = c.people.find((p) => p.teams?.mail === u.upn);
    if (person) teamsIds[person.key] = u.id;
  }
  return { connector: hub.hub.connectors.get(connector.id), teamsIds, serviceAccount };
}

/** A password to read off the screen and type: three groups of four letters and digits. */
function generateDemoPassword(): string {
  const alphabet = "abcdefghijkmnpqrstuvwxyz23456789"; // no 0/o, 1/l look-alikes
  const bytes = randomBytes(12);
  const chars = [...bytes].map((b) => alphabet[b % alphabet.length]);
  return [chars.slice(0, 4), chars.slice(4, 8), chars.slice(8)].map((g) => g.join("")).join("-");
}
