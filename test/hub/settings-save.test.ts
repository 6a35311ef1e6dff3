// Saving Microsoft 365 settings that keep the same app registration (e.g. another poll interval) restarts
// the Teams connector; it must not make the PBX side neutral meanwhile: a user in a Teams call stays
// diverted throughout, instead of being cleared and set again (a window in which a second call rings).
import { afterEach, beforeEach, expect, it } from "vitest";
import { until } from "../sync/fakes.js";
import { type AliceWorld, startAliceWorld } from "./sim-settings.js";

let world: AliceWorld;
beforeEach(async () => {
  world = await startAliceWorld({ name: "presence-hub", password: "save-pw" });
});
afterEach(() => world.close());

it("a Microsoft 365 settings save for the same app keeps a user in a Teams call diverted throughout", async () => {
  const { pbx, graph } = world;
  const { hub: h } = await world.openHub();
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
