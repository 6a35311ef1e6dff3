// Saving Microsoft 365 settings that keep the same app registration (e.g. another poll interval) restarts
// the Teams connector; it must not make the PBX side neutral meanwhile: a user in a Teams call stays
// diverted throughout, instead of being cleared and set again (a window in which a second call rings).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import { type PbxSimulator, startPbxSimulator } from "../../connectors/innovaphone/simulator/server.js";
import { type GraphSimulator, startGraphSimulator } from "../../connectors/teams/simulator/server.js";
import type { Hub } from "../../server/hub/types.js";
import { until } from "../sync/fakes.js";
import { openConnectedHub } from "./sim-settings.js";

const APP = { name: "presence-hub", password: "save-pw" };
const ALICE = { guid: "b".repeat(32), h323: "alice", cn: "Alice", e164: "101", emails: ["alice@contoso.example"], cfpr: true, cds: [] };

let pbx: PbxSimulator;
let graph: GraphSimulator;
let dir: string;
let hub: Hub | undefined;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "hub-settings-save-"));
  pbx = await startPbxSimulator({ host: "127.0.0.1", port: 0, apps: [APP], users: [ALICE] });
  graph = await startGraphSimulator({
    host: "127.0.0.1",
    port: 0,
    http: true,
    users: [{ upn: "alice@contoso.example", displayName: "Alice", mail: "alice@contoso.example" }],
  });
});

afterEach(async () => {
  await hub?.close({ undo: false });
  hub = undefined;
  await pbx?.close();
  await graph?.close();
  rmSync(dir, { recursive: true, force: true });
});

it("a Microsoft 365 settings save for the same app keeps a user in a Teams call diverted throughout", async () => {
  const { hub: h } = await openConnectedHub(dir, { pbx, graph, app: APP });
  hub = h;
  graph.setClientPresence(graph.users()[0]!.id, { availability: "Busy", activity: "InACall" });
  await until(() => pbx.dial("alice", { ring: false }).result === "forwarded", 10_000, "Alice diverted");

  // Sample what a caller gets while the settings are saved and the Teams connector restarts.
  const seen = new Set<string>();
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      seen.add(pbx.dial("alice", { ring: false }).result);
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  await h.teams.save({ pollIntervalSeconds: 60 });
  await until(() => h.teams.get().status.state === "online", 10_000, "Teams online again");
  await new Promise((r) => setTimeout(r, 1500)); // past the reconcile that follows the restart
  sampling = false;
  await sampler;
  expect([...seen]).toEqual(["forwarded"]);
});
