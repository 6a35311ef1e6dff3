// Undo paths over real sockets (review findings): what the hub set must not be left behind when a
// connector is pointed at another PBX, or when a PBX user disappears while the hub holds a Teams session.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type PbxSimulator, startPbxSimulator } from "../../connectors/innovaphone/simulator/server.js";
import type { SimUserInput } from "../../connectors/innovaphone/simulator/types.js";
import { type GraphSimulator, startGraphSimulator } from "../../connectors/teams/simulator/server.js";
import type { Hub } from "../../server/hub/types.js";
import { until } from "../sync/fakes.js";
import { graphSimSettings, openPollingHub, pbxSimConfig } from "./sim-settings.js";

const APP = { name: "presence-hub", password: "undo-app-pw" };
const ALICE: SimUserInput = {
  guid: "0123456789abcdef0123456789abcdef",
  h323: "alice",
  cn: "Alice",
  e164: "101",
  emails: ["alice@contoso.example"],
  cfpr: true,
  cds: [],
};

let pbxA: PbxSimulator;
let pbxB: PbxSimulator | undefined;
let graph: GraphSimulator;
let dir: string;
let hub: Hub | undefined;
let aliceId: string;

async function open(): Promise<Hub> {
  hub = await openPollingHub(dir);
  await hub.teams.save(graphSimSettings(graph));
  return hub;
}

function hubSlot(pbx: PbxSimulator): unknown[] {
  const presence = pbx.user("alice").presence as { contact?: string; activity?: string }[];
  return presence.filter((p) => p.contact === "presence-hub:" && p.activity);
}

function cfbs(pbx: PbxSimulator): unknown[] {
  return (pbx.user("alice").cds as { type: string }[]).filter((c) => c.type === "cfb");
}

function teamsShows(): string {
  const p = graph.presence(aliceId);
  return p ? `${p.availability}/${p.activity}` : "?";
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "hub-undo-"));
  pbxA = await startPbxSimulator({ host: "127.0.0.1", port: 0, apps: [APP], users: [ALICE] });
  const available = { availability: "Available", activity: "Available" };
  graph = await startGraphSimulator({
    host: "127.0.0.1",
    port: 0,
    http: true,
    clients: [
      { clientId: "sim-client", clientSecret: "sim-secret" },
      { clientId: "other-client", clientSecret: "other-secret" },
    ],
    users: [
      {
        upn: "alice@contoso.example",
        displayName: "Alice",
        mail: "alice@contoso.example",
        client: available,
      },
    ],
  });
  aliceId = graph.users()[0]!.id;
});

afterEach(async () => {
  await hub?.close({ undo: false });
  hub = undefined;
  await pbxA?.close();
  await pbxB?.close();
  pbxB = undefined;
  await graph?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function connector(h: Hub): Promise<string> {
  const c = await h.connectors.create({
    type: "innovaphone-dnd",
    name: "PBX",
    config: pbxSimConfig(pbxA, APP, { defaultDestination: "299" }),
  });
  await until(() => h.connectors.get(c.id).status.state === "online", 10_000, "connector online");
  await until(() => h.endpoints.list({ matched: true }).total === 1, 10_000, "endpoint matched");
  return c.id;
}

describe("undo paths", () => {
  it("a connector pointed at another PBX first undoes the slot and CFB entry it set on the old one", async () => {
    const h = await open();
    const id = await connector(h);
    graph.setClientPresence(aliceId, { availability: "Busy", activity: "InACall" });
    await until(() => hubSlot(pbxA).length === 1 && cfbs(pbxA).length === 1, 10_000, "hub set on PBX A");

    pbxB = await startPbxSimulator({ host: "127.0.0.1", port: 0, apps: [APP], users: [ALICE] });
    await h.connectors.update(id, { config: { port: pbxB.port, password: APP.password } });
    await until(() => h.connectors.get(id).status.state === "online", 10_000, "online on PBX B");
    // The rules still want DND on the new PBX ...
    await until(() => hubSlot(pbxB!).length === 1, 10_000, "hub set on PBX B");
    await until(() => cfbs(pbxB!).length === 1, 3000, "hub CFB on PBX B");
    // ... and nothing the hub set stays on the PBX it no longer talks to.
    expect(hubSlot(pbxA)).toEqual([]);
    expect(cfbs(pbxA)).toEqual([]);
  });

  it("a PBX user deleted during a call does not leave the hub's Teams session behind", async () => {
    const h = await open();
    await connector(h);
    const call = pbxA.startCall("alice");
    pbxA.answerCall(call);
    await until(() => teamsShows() === "DoNotDisturb/Presenting", 10_000, "alice DND in Teams");
    // The connection drops; alice is deleted (her call ends) while the hub cannot see it.
    pbxA.dropAll();
    pbxA.deleteUser("alice");
    await until(() => h.connectors.list()[0]!.status.state !== "online", 10_000, "connector offline");
    await until(() => h.connectors.list()[0]!.status.state === "online", 30_000, "connector back");
    await until(() => h.endpoints.list().total === 0, 10_000, "endpoint deleted");
    await until(() => teamsShows() === "Available/Available", 5000, "hub session cleared");
  }, 60_000);

  it("deleting a connector disabled while its PBX was unreachable undoes what the hub left there", async () => {
    const h = await open();
    const id = await connector(h);
    graph.setClientPresence(aliceId, { availability: "Busy", activity: "InACall" });
    await until(() => hubSlot(pbxA).length === 1 && cfbs(pbxA).length === 1, 10_000, "hub set on PBX A");
    // The PBX becomes unreachable; disabling cannot undo (the hub keeps the state for later).
    pbxA.setFaults({ refuseLogins: true });
    pbxA.dropAll();
    await until(() => h.connectors.get(id).status.state !== "online", 10_000, "connector offline");
    await h.connectors.setEnabled(id, false);
    expect(hubSlot(pbxA)).toHaveLength(1);
    // The PBX is back; the admin deletes the disabled connector: its last chance to undo.
    pbxA.setFaults({ refuseLogins: false });
    await h.connectors.remove(id);
    expect(hubSlot(pbxA)).toEqual([]);
    expect(cfbs(pbxA)).toEqual([]);
  }, 30_000);

  it("a graceful stop does not wait out its undo bound for what only a disabled connector could undo", async () => {
    const h = await open();
    const id = await connector(h);
    graph.setClientPresence(aliceId, { availability: "Busy", activity: "InACall" });
    await until(() => hubSlot(pbxA).length === 1, 10_000, "hub set on PBX A");
    pbxA.setFaults({ refuseLogins: true });
    pbxA.dropAll();
    await until(() => h.connectors.get(id).status.state !== "online", 10_000, "connector offline");
    await h.connectors.setEnabled(id, false); // the leftovers stay persisted for the next chance
    graph.setClientPresence(aliceId, { availability: "Available", activity: "Available" });
    // Nothing attached can undo the PBX side: the stop finishes once the Teams side is done, not after 20 s.
    const started = Date.now();
    await h.close({ timeoutMs: 20_000 });
    hub = undefined;
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("remapping an endpoint to another Teams user drops what the previous user's meeting set", async () => {
    const h = await open();
    const bobId = graph.addUsers([
      {
        upn: "bob@contoso.example",
        displayName: "Bob",
        mail: "bob@contoso.example",
        client: { availability: "Available", activity: "Available" },
      },
    ])[0]!;
    await connector(h);
    graph.setClientPresence(aliceId, { availability: "Busy", activity: "InACall" });
    await until(() => hubSlot(pbxA).length === 1 && cfbs(pbxA).length === 1, 10_000, "hub set on PBX A");
    await h.teams.refresh();
    const ep = h.endpoints.list().items[0]!;
    await h.endpoints.update(ep.id, { teamsUserId: bobId });
    await until(() => hubSlot(pbxA).length === 0 && cfbs(pbxA).length === 0, 5000, "PBX neutral for bob");
  });

  it("Microsoft 365 switched to another app registration first clears the sessions of the old one", async () => {
    const h = await open();
    await connector(h);
    const call = pbxA.startCall("alice");
    pbxA.answerCall(call);
    await until(() => teamsShows() === "DoNotDisturb/Presenting", 10_000, "alice DND in Teams");
    await h.teams.save({ clientId: "other-client", clientSecret: "other-secret" });
    await until(() => h.teams.get().status.state === "online", 10_000, "Teams online with the other app");
    pbxA.endCall(call);
    await until(() => teamsShows() === "Available/Available", 5000, "alice available after the call");
  });
});
