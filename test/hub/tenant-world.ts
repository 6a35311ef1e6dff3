// Two customers side by side for the tenant isolation tests, over real sockets: for each tenant a Graph
// simulator (its own Entra tenant id, app registration and service account) and a PBX simulator, with
// people whose names overlap on purpose — the same e-mail local parts (alice@contoso / alice@fabrikam),
// the same display name ("Alice Adams") and extension numbers, a partner consultant whose address
// (sam@partner.example) is a guest in both directories, and a Fabrikam PBX user still carrying her old
// Contoso address. The hub runs as `presence-hub start` does (runHub: admin API, OAuth callback and the
// Graph webhook served), with the connector timings of the fault tests.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type PbxSimulator, startPbxSimulator } from "../../connectors/innovaphone/simulator/server.js";
import type { SimUserInput } from "../../connectors/innovaphone/simulator/types.js";
import { createTeamsAdapter, type TeamsConnector } from "../../connectors/teams/index.js";
import { teamsModule } from "../../connectors/teams/module.js";
import { toTeamsConfig } from "../../connectors/teams/settings.js";
import { type GraphSimulator, startGraphSimulator } from "../../connectors/teams/simulator/server.js";
import { loadConfig } from "../../server/config.js";
import type { Hub, TeamsAdapterFactory } from "../../server/hub/types.js";
import { type RunningHub, runHub } from "../../server/run-hub.js";
import { FAST_SYNC, fastFactories } from "../faults/factories.js";

export interface Customer {
  /** Hub tenant id (from the name). */
  tenant: string;
  name: string;
  domain: string;
  graph: GraphSimulator;
  pbx: PbxSimulator;
  app: { name: string; password: string };
  /** Graph user id by key (alice, bob, sam, dana). */
  ids: Record<string, string>;
}

const available = { availability: "Available", activity: "Available" };

/** A partner's consultant, a guest in both directories with the same mail (different UPN and object id). */
function guestSam(domain: string) {
  return {
    upn: `sam_partner.example#EXT#@${domain}`,
    displayName: "Sam Sommer",
    mail: "sam@partner.example",
    client: available,
  };
}

function pbxUser(h323: string, cn: string, e164: string, email: string, cfb?: string): SimUserInput {
  return { h323, cn, dn: cn, e164, emails: [email], cfpr: true, cds: cfb ? [{ type: "cfb", e164: cfb }] : [] };
}

async function startCustomer(
  name: string,
  domain: string,
  entraTenant: string,
  pbxUsers: SimUserInput[],
  graphUsers: { upn: string; displayName: string; mail: string; client: typeof available }[],
): Promise<Omit<Customer, "tenant">> {
  const key = name.toLowerCase();
  const app = { name: "presence-hub", password: `${key}-app-password` };
  const pbx = await startPbxSimulator({ host: "127.0.0.1", port: 0, apps: [app], users: pbxUsers });
  const graph = await startGraphSimulator({
    host: "127.0.0.1",
    port: 0,
    http: true,
    tenantId: entraTenant,
    clients: [{ clientId: `${key}-presence-app`, clientSecret: `${key}-client-secret` }],
    serviceAccounts: [{ upn: `presence-svc@${domain}` }],
    users: graphUsers,
  });
  const ids: Record<string, string> = {};
  for (const u of graph.users()) ids[u.displayName.split(" ")[0]!.toLowerCase()] = u.id;
  return { name, domain, graph, pbx, app, ids };
}

/** The production Teams adapter (rich notifications, stored certificates) with a 2 s subscription check. */
const teamsFactory: TeamsAdapterFactory = {
  create: (config, deps) =>
    createTeamsAdapter(
      { ...toTeamsConfig(config), subscriptionCheckIntervalMs: 2000 },
      { tokenStore: deps.tokenStore, certificateStore: deps.certificateStore },
    ),
  test: teamsModule.test,
};

export interface TenantWorld {
  hub: Hub;
  running: RunningHub;
  dataDir: string;
  a: Customer;
  b: Customer;
  close(): Promise<void>;
}

/** Both customers' simulators and a running hub (nothing configured yet: the tests onboard as an admin). */
export async function startTenantWorld(): Promise<TenantWorld> {
  const a = await startCustomer(
    "Contoso",
    "contoso.example",
    "a0a0a0a0-1111-4111-8111-000000000001",
    [
      pbxUser("alice", "Alice Adams", "101", "alice@contoso.example", "199"),
      pbxUser("bob", "Bob Berger", "102", "bob@contoso.example", "100"),
      pbxUser("sam", "Sam Sommer", "103", "sam@partner.example"),
    ],
    [
      { upn: "alice@contoso.example", displayName: "Alice Adams", mail: "alice@contoso.example", client: available },
      { upn: "bob@contoso.example", displayName: "Bob Berger", mail: "bob@contoso.example", client: available },
      guestSam("contoso.example"),
      { upn: "dana@contoso.example", displayName: "Dana Dietz", mail: "dana@contoso.example", client: available },
    ],
  );
  const b = await startCustomer(
    "Fabrikam",
    "fabrikam.example",
    "b0b0b0b0-2222-4222-8222-000000000002",
    [
      pbxUser("alice", "Alice Adams", "101", "alice@fabrikam.example", "199"),
      pbxUser("bob", "Bob Brown", "102", "bob@fabrikam.example", "100"),
      pbxUser("sam", "Sam Sommer", "103", "sam@partner.example"),
      // Moved from Contoso to Fabrikam; her PBX entry still carries the old address.
      pbxUser("dana", "Dana Dietz", "104", "dana@contoso.example", "100"),
    ],
    [
      { upn: "alice@fabrikam.example", displayName: "Alice Adams", mail: "alice@fabrikam.example", client: available },
      { upn: "bob@fabrikam.example", displayName: "Bob Brown", mail: "bob@fabrikam.example", client: available },
      guestSam("fabrikam.example"),
    ],
  );
  const dataDir = mkdtempSync(join(tmpdir(), "hub-tenants-"));
  const running = await runHub(
    loadConfig({
      env: { PRESENCE_HUB_ADMIN_PASSWORD: "tenants-admin-Passw0rd" },
      overrides: { dataDir, host: "127.0.0.1", port: 0 },
    }),
    {
      adapterFactories: fastFactories().adapterFactories,
      teamsFactory,
      sync: FAST_SYNC,
      undoTimeoutMs: 5000,
      // One write at a time per side and tenant: on a hub with one sync core for everybody, a write held
      // up by one customer's throttled Graph would hold up every other customer's too.
      concurrency: 1,
    },
  );
  return {
    hub: running.hub,
    running,
    dataDir,
    a: { ...a, tenant: "" },
    b: { ...b, tenant: "" },
    async close() {
      await running.hub.close({ undo: false }).catch(() => undefined);
      await running.close().catch(() => undefined);
      for (const c of [a, b]) {
        await c.pbx.close().catch(() => undefined);
        await c.graph.close().catch(() => undefined);
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Sign in the customer's service account through the real redirect, as the admin's browser does:
 * the hub's sign-in URL → the simulator's authorize (consents at once) → the hub's one callback URL, which
 * finds the tenant that issued the state. Returns the callback's redirect (…signin=ok%3A<upn>).
 */
export async function signInServiceAccount(hub: Hub, baseUrl: string, tenant: string): Promise<string> {
  const teams = hub.teamsOf(tenant);
  const start = await teams.beginServiceAccountSignIn!({ redirectUri: `${baseUrl}/api/teams/service-accounts/callback` });
  const authorize = await fetch(start.url, { redirect: "manual" });
  const back = authorize.headers.get("location");
  if (!back) throw new Error(`authorize did not redirect (${authorize.status})`);
  const cb = await fetch(back, { redirect: "manual" });
  return cb.headers.get("location") ?? "";
}

/** The running Teams adapter of a tenant, with the webhook counters. */
export function teamsAdapter(hub: Hub, tenant: string): TeamsConnector {
  const a = hub.teamsOf(tenant).adapter();
  if (!a) throw new Error(`tenant ${tenant}: no Teams adapter running`);
  return a as TeamsConnector;
}
