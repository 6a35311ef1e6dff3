// An App object without the Admin checkmark (PbxAdminApi) is a supported, degraded setup: the connection
// test calls it usable. The hub must then still write the PBX presence during a Teams call (calls are
// diverted for users with their own CFB destination; colleagues see the status) instead of retrying the
// impossible CFB fallback for good, and it must say why the fallback is missing — on the connector and on
// each affected user.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type PbxSimulator, startPbxSimulator } from "../../connectors/innovaphone/simulator/server.js";
import { type GraphSimulator, startGraphSimulator } from "../../connectors/teams/simulator/server.js";
import type { Hub } from "../../server/hub/types.js";
import { until } from "../sync/fakes.js";
import { openConnectedHub } from "./sim-settings.js";

const APP = { name: "presence-hub", password: "no-admin-pw", apis: ["PbxApi", "PbxTableUsers", "RCC"] };
const ALICE = { guid: "a".repeat(32), h323: "alice", cn: "Alice", e164: "101", emails: ["alice@contoso.example"], cfpr: true, cds: [] };

let pbx: PbxSimulator;
let graph: GraphSimulator;
let dir: string;
let hub: Hub | undefined;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "hub-no-admin-"));
  pbx = await startPbxSimulator({ host: "127.0.0.1", port: 0, apps: [APP] as never, users: [ALICE] });
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

function hubSlot(): string[] {
  const presence = pbx.user("alice").presence as { contact?: string; activity?: string }[];
  return presence.filter((p) => p.contact === "presence-hub:" && p.activity).map((p) => p.activity ?? "");
}

describe("App object without Admin access", () => {
  it("still sets and clears the PBX presence during a Teams call and says the CFB fallback is unavailable", async () => {
    const { hub: h, connectorId } = await openConnectedHub(dir, { pbx, graph, app: APP });
    hub = h;
    expect(h.connectors.get(connectorId).status.reason).toMatch(/Admin access missing/);

    const aliceId = graph.users()[0]!.id;
    graph.setClientPresence(aliceId, { availability: "Busy", activity: "InACall" });
    await until(() => hubSlot().length === 1, 10_000, "hub presence on the PBX");
    expect(hubSlot()).toEqual(["dnd"]);
    const ep = h.endpoints.list({ matched: true }).items[0]!;
    expect(ep.warnings.map((w) => w.code)).toContain("CFB_FALLBACK_UNAVAILABLE");
    expect(ep.warnings.map((w) => w.code)).not.toContain("WRITE_FAILED");
    expect(pbx.user("alice").cds).toEqual([]);

    graph.setClientPresence(aliceId, { availability: "Available", activity: "Available" });
    await until(() => hubSlot().length === 0, 10_000, "hub presence cleared");
  });
});
