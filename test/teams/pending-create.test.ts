// A notification can overtake the 201 of its subscription's create call (Graph validates, creates and may
// deliver before the answer arrives): while the create is unanswered, an item carrying the clientState
// that create sent is accepted, and one with any other clientState is ignored. The simulator holds the
// create answer back (fault delayResponseMs) while the subscription already delivers.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTeamsAdapter, type TeamsConnector } from "../../connectors/teams/adapter.js";
import type { GraphSimulator } from "../../connectors/teams/simulator/server.js";
import type { TeamsPresence } from "../../engine/presence.js";
import { type Hub, hub, seedUsers, signedInStore, sim, teamsConfig, until } from "./helpers.js";

describe("notifications while the subscription create is unanswered", () => {
  let s: GraphSimulator;
  let h: Hub;
  let adapter: TeamsConnector;
  const events: Array<[string, TeamsPresence]> = [];

  beforeAll(async () => {
    s = await sim({ users: seedUsers(2) });
    h = await hub();
    s.addFault({ match: "POST /v1.0/subscriptions", delayResponseMs: 3000, times: 1 });
    adapter = createTeamsAdapter(
      teamsConfig(s, { notificationUrl: `${h.url}/graph/notify`, pollIntervalMs: 60_000 }),
      { tokenStore: await signedInStore(s) },
    );
    h.setHandler(adapter);
    adapter.on("presence", (id, p) => events.push([id, p]));
    adapter.watch(["u00000", "u00001"]);
    adapter.start();
    // Graph has the subscription (it delivers), the hub still waits for the create's answer.
    await until(() => s.subscriptions().length === 1, 5000, "the subscription to exist in Graph");
    await until(() => events.length >= 2, 5000, "the start read");
  });
  afterAll(async () => {
    await adapter.stop();
    await h.close();
    await s.close();
  });

  it("accepts the pending clientState and ignores a wrong one", async () => {
    expect(adapter.subscriptionSummary()?.active).toBe(0);
    const sub = s.subscriptions()[0]!;
    s.setClientPresence("u00000", { availability: "Busy", activity: "InACall" });
    await until(() => events.some(([id, p]) => id === "u00000" && p.activity === "InACall"), 2500, "the change");
    expect(adapter.webhookStats()).toMatchObject({ accepted: 1, ignoredClientState: 0 });

    const forged = await fetch(`${h.url}/graph/notify`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        value: [
          {
            subscriptionId: sub.id,
            clientState: "forged-while-pending",
            changeType: "updated",
            resource: "communications/presences/u00001",
            resourceData: { id: "u00001" },
          },
        ],
      }),
    });
    expect(forged.status).toBe(202);
    await new Promise((r) => setTimeout(r, 50));
    await adapter.idle();
    expect(adapter.webhookStats()).toMatchObject({ accepted: 1, ignoredClientState: 1, basic: 0 });
    // Both happened before the create was answered.
    expect(adapter.subscriptionSummary()?.active).toBe(0);
    await until(() => adapter.subscriptionSummary()?.active === 1, 5000, "the create's answer");
  });
});
