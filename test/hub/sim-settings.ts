// Hub test setup against the simulators, as an admin would do it: Microsoft 365 → the Graph simulator,
// an innovaphone connector → the PBX simulator over plain ws on loopback; a Teams factory that polls every
// 200 ms (no service account needed), and the one-connector, matched-users hub most hub tests start from.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type PbxSimulator, startPbxSimulator } from "../../connectors/innovaphone/simulator/server.js";
import type { SimAppObject } from "../../connectors/innovaphone/simulator/types.js";
import { createTeamsAdapter } from "../../connectors/teams/index.js";
import { type GraphSimulator, startGraphSimulator } from "../../connectors/teams/simulator/server.js";
import { teamsModule } from "../../connectors/teams/module.js";
import { toTeamsConfig } from "../../connectors/teams/settings.js";
import { openHub } from "../../server/hub/hub.js";
import type { Hub, PbxConnectorConfigInput, TeamsAdapterFactory, TeamsSettingsInput } from "../../server/hub/types.js";
import { FAST_SYNC, fastFactories } from "../faults/factories.js";
import { until } from "../sync/fakes.js";
import { shippedRules } from "../sync/harness.js";

interface GraphSimCredentials {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  url: string;
}

export function graphSimSettings(graph: GraphSimCredentials, extra: TeamsSettingsInput = {}): TeamsSettingsInput {
  return {
    tenantId: graph.tenantId,
    clientId: graph.clientId,
    clientSecret: graph.clientSecret,
    authorityUrl: graph.url,
    graphUrl: graph.url,
    ...extra,
  };
}

export function pbxSimConfig(
  pbx: { port: number },
  app: { name: string; password: string },
  extra: PbxConnectorConfigInput = {},
): PbxConnectorConfigInput {
  return { server: "127.0.0.1", port: pbx.port, protocol: "ws", username: app.name, password: app.password, ...extra };
}

/** The production Teams adapter, polling presence every 200 ms (no service account or webhook needed). */
export const fastPollingTeams: TeamsAdapterFactory = {
  create: (config, deps) =>
    createTeamsAdapter({ ...toTeamsConfig(config), pollIntervalMs: 200 }, { tokenStore: deps.tokenStore }),
  test: teamsModule.test,
};

/** A hub on `dataDir` with the production PBX adapter, the fast-polling Teams adapter and short retries. */
export async function openPollingHub(dataDir: string): Promise<Hub> {
  return openHub({
    dataDir,
    registry: await shippedRules(),
    teamsFactory: fastPollingTeams,
    sync: { retryBaseMs: 50, retryMaxMs: 500, echoGraceMs: 1000 },
    undoTimeoutMs: 3000,
  });
}

/**
 * A hub on `dataDir` with fast timings, Microsoft 365 on the Graph simulator and one innovaphone-dnd
 * connector (default destination 299) on the PBX simulator; resolves once the connector is online and
 * `matched` endpoints are matched.
 */
export async function openConnectedHub(
  dataDir: string,
  sims: { pbx: { port: number }; graph: GraphSimCredentials; app: { name: string; password: string } },
  matched = 1,
): Promise<{ hub: Hub; connectorId: string }> {
  const hub = await openHub({
    dataDir,
    registry: await shippedRules(),
    adapterFactories: fastFactories().adapterFactories,
    teamsFactory: fastPollingTeams,
    sync: FAST_SYNC,
  });
  await hub.teams.save(graphSimSettings(sims.graph));
  const c = await hub.connectors.create({
    type: "innovaphone-dnd",
    name: "PBX",
    config: pbxSimConfig(sims.pbx, sims.app, { defaultDestination: "299" }),
  });
  await until(() => hub.connectors.get(c.id).status.state === "online", 15_000, "connector online");
  await until(() => hub.endpoints.list({ matched: true }).total === matched, 10_000, "endpoints matched");
  return { hub, connectorId: c.id };
}

export interface AliceWorld {
  pbx: PbxSimulator;
  graph: GraphSimulator;
  /** Opens the hub on the world's data directory (see openConnectedHub); closed by `close()`. */
  openHub(): Promise<{ hub: Hub; connectorId: string }>;
  close(): Promise<void>;
}

/** Both simulators with one user, Alice (no CFB entry of her own), and a temporary data directory. */
export async function startAliceWorld(app: SimAppObject): Promise<AliceWorld> {
  const dir = mkdtempSync(join(tmpdir(), "hub-alice-"));
  const alice = { guid: "a".repeat(32), h323: "alice", cn: "Alice", e164: "101", emails: ["alice@contoso.example"], cfpr: true, cds: [] };
  const pbx = await startPbxSimulator({ host: "127.0.0.1", port: 0, apps: [app], users: [alice] });
  const graph = await startGraphSimulator({
    host: "127.0.0.1",
    port: 0,
    http: true,
    users: [{ upn: "alice@contoso.example", displayName: "Alice", mail: "alice@contoso.example" }],
  });
  let hub: Hub | undefined;
  return {
    pbx,
    graph,
    async openHub() {
      const opened = await openConnectedHub(dir, { pbx, graph, app });
      hub = opened.hub;
      return opened;
    },
    async close() {
      await hub?.close({ undo: false });
      await pbx.close();
      await graph.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
