// Integration over real sockets: the hub with the real innovaphone and Teams adapters against the PBX
// simulator (AppWebsocket) and the Graph simulator (HTTP). A Teams call diverts a PBX call to the user and
// it rings again afterwards; a PBX call shows in Teams and clears; a restart mid-call loses nothing.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type PbxSimulator, startPbxSimulator } from "../../connectors/innovaphone/simulator/server.js";
import { type GraphSimulator, startGraphSimulator } from "../../connectors/teams/simulator/server.js";
import type { Hub } from "../../server/hub/types.js";
import { until } from "../sync/fakes.js";
import { graphSimSettings, openPollingHub, pbxSimConfig } from "./sim-settings.js";

const APP = { name: "presence-hub", password: "integration-app-pw" };

let pbx: PbxSimulator;
let graph: GraphSimulator;
let dir: string;
let hub: Hub | undefined;
let ids: Record<string, string>;

// The real Teams adapter, polling fast (the webhook needs the HTTP layer; polling is the same code path
// for presence facts as far as the hub is concerned).
async function open(): Promise<Hub> {
  hub = await openPollingHub(dir);
  return hub;
}

function dial(key: string): string {
  const r = pbx.dial(key, { ring: false });
  return r.result === "forwarded" ? `forwarded to ${r.destination}` : r.result;
}

function teamsShows(key: string): string {
  const p = graph.presence(ids[key]);
  return p ? `${p.availability}/${p.activity}` : "?";
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "hub-integration-"));
  pbx = await startPbxSimulator({
    host: "127.0.0.1",
    port: 0,
    apps: [APP],
    users: [
      { h323: "alice", cn: "Alice", e164: "101", emails: ["Alice@Contoso.example"], cfpr: true, cds: [] },
      {
        h323: "bob",
        cn: "Bob",
        e164: "102",
        emails: ["bob@contoso.example"],
        cfpr: true,
        cds: [{ type: "cfb", e164: "100" }],
      },
    ],
  });
  const available = { availability: "Available", activity: "Available" };
  graph = await startGraphSimulator({
    host: "127.0.0.1",
    port: 0,
    http: true,
    users: [
      {
        upn: "alice@contoso.example",
        displayName: "Alice",
        mail: "alice@contoso.example",
        client: available,
      },
      { upn: "bob@contoso.example", displayName: "Bob", mail: "bob@contoso.example", client: available },
    ],
  });
  ids = Object.fromEntries(graph.users().map((u) => [u.upn.split("@")[0], u.id]));
});

afterAll(async () => {
  await hub?.close({ undo: false });
  await pbx?.close();
  await graph?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("hub + PBX simulator + Graph simulator", () => {
  it("configures like an admin: connector online, endpoints matched", async () => {
    const h = await open();
    await h.teams.save(graphSimSettings(graph));
    const test = await h.connectors.test({
      type: "innovaphone-dnd",
      config: pbxSimConfig(pbx, { ...APP, password: "wrong" }),
    });
    expect(test.ok).toBe(false);
    const c = await h.connectors.create({
      type: "innovaphone-dnd",
      name: "Simulated PBX",
      config: pbxSimConfig(pbx, APP, { defaultDestination: "299" }),
    });
    await until(() => h.connectors.get(c.id).status.state === "online", 10_000, "connector online");
    await until(() => h.endpoints.list({ matched: true }).total === 2, 10_000, "endpoints matched");
  });

  it("a Teams call diverts a PBX call to the user (default destination) and it rings again after", async () => {
    const h = hub!;
    expect(dial("alice")).toBe("rings");
    graph.setClientPresence(ids.alice, { availability: "Busy", activity: "InACall" });
    await until(() => dial("alice") === "forwarded to 299", 10_000, "alice forwarded");
    const alice = h.endpoints.list({ search: "alice" }).items[0];
    expect(alice.hub.pbx.cfbEntry).toBeTruthy();
    graph.setClientPresence(ids.alice, { availability: "Available", activity: "Available" });
    await until(() => dial("alice") === "rings", 10_000, "alice rings again");
    await until(() => h.endpoints.get(alice.id).hub.pbx.cfbEntry === null, 5000, "hub CFB removed");
  });

  it("a PBX call makes Teams show DoNotDisturb and clears after; the user's own CFB is untouched", async () => {
    const call = pbx.startCall("bob");
    pbx.answerCall(call);
    await until(() => teamsShows("bob") === "DoNotDisturb/Presenting", 10_000, "bob DND in Teams");
    pbx.endCall(call);
    await until(() => teamsShows("bob") === "Available/Available", 10_000, "bob available again");
    expect(dial("bob")).toBe("rings");
  });

  it("restart mid-call loses nothing", async () => {
    graph.setClientPresence(ids.alice, { availability: "Busy", activity: "InACall" });
    await until(() => dial("alice") === "forwarded to 299", 10_000, "alice forwarded");
    await hub!.close({ undo: false });
    hub = undefined;
    expect(dial("alice")).toBe("forwarded to 299"); // the hub is down; the PBX keeps what it was told
    const h = await open();
    await until(() => h.health().connectors[0]?.state === "online", 10_000, "online after restart");
    await new Promise((r) => setTimeout(r, 500));
    expect(dial("alice")).toBe("forwarded to 299");
    graph.setClientPresence(ids.alice, { availability: "Available", activity: "Available" });
    await until(() => dial("alice") === "rings", 10_000, "alice rings after the call");
    const alice = h.endpoints.list({ search: "alice" }).items[0];
    await until(
      () => h.endpoints.get(alice.id).hub.pbx.cfbEntry === null,
      5000,
      "hub CFB removed after restart",
    );
  });

  it("graceful stop undoes what the hub set", async () => {
    graph.setClientPresence(ids.alice, { availability: "Busy", activity: "InACall" });
    const call = pbx.startCall("bob");
    pbx.answerCall(call);
    await until(
      () => dial("alice") === "forwarded to 299" && teamsShows("bob") === "DoNotDisturb/Presenting",
      10_000,
      "busy",
    );
    await hub!.close();
    hub = undefined;
    expect(dial("alice")).toBe("rings");
    expect(teamsShows("bob")).toBe("Available/Available");
    pbx.endCall(call);
  });
});
