// An App object without the Admin checkmark (PbxAdminApi) is a supported, degraded setup: the connection
// test calls it usable. The hub must then still write the PBX presence during a Teams call (calls are
// diverted for users with their own CFB destination; colleagues see the status) instead of retrying the
// impossible CFB fallback for good, and it must say why the fallback is missing — on the connector and on
// each affected user.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { until } from "../sync/fakes.js";
import { type AliceWorld, startAliceWorld } from "./sim-settings.js";

let world: AliceWorld;
beforeEach(async () => {
  world = await startAliceWorld({ name: "presence-hub", password: "no-admin-pw", apis: ["PbxApi", "PbxTableUsers", "RCC"] });
});
afterEach(() => world.close());

function hubSlot(): string[] {
  const presence = world.pbx.user("alice").presence as { contact?: string; activity?: string }[];
  return presence.filter((p) => p.contact === "presence-hub:" && p.activity).map((p) => p.activity ?? "");
}

describe("App object without Admin access", () => {
  it("still sets and clears the PBX presence during a Teams call and says the CFB fallback is unavailable", async () => {
    const { pbx, graph } = world;
    const { hub: h, connectorId } = await world.openHub();
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
