// A reconnect on which RCC does not answer (degraded: call state unknown) must not keep reporting the calls
// of the previous connection: a call that was up when the connection dropped would otherwise stay
// "connected" for good (and the hub's Teams DoNotDisturb with it).
import { afterEach, expect, it } from "vitest";
import { createInnovaphoneAdapter } from "../../connectors/innovaphone/adapter.js";
import { type PbxSimulator, startPbxSimulator } from "../../connectors/innovaphone/simulator/server.js";
import type { PbxAdapter } from "../../engine/ports/adapters.js";
import type { PbxCallState } from "../../engine/presence.js";
import { makeUsers, waitFor } from "./helpers.js";

let sim: PbxSimulator | undefined;
let adapter: PbxAdapter | undefined;
afterEach(async () => {
  await adapter?.stop();
  adapter = undefined;
  await sim?.close();
  sim = undefined;
});

const G = (i: number) => i.toString(16).padStart(32, "0");

it("a degraded reconnect without RCC reports the calls of the previous connection as idle", async () => {
  sim = await startPbxSimulator({ users: makeUsers(2) });
  adapter = createInnovaphoneAdapter(
    {
      server: "127.0.0.1",
      port: sim.port,
      protocol: "ws",
      username: "presence-hub",
      password: "secret",
      requestTimeoutMs: 300,
      connectTimeoutMs: 1000,
      pingIntervalMs: 100,
      deadAfterMs: 400,
    },
    { backoff: { baseMs: 50, capMs: 200, stableMs: 500 } },
  );
  const calls: Array<[string, PbxCallState]> = [];
  let synchronized = 0;
  adapter.on("callState", (g, s) => calls.push([g, s]));
  adapter.on("synchronized", () => synchronized++);
  adapter.start();
  await waitFor(() => synchronized === 1);
  const call = sim.startCall("user1");
  sim.answerCall(call);
  await waitFor(() => calls.some(([g, s]) => g === G(1) && s === "connected"));

  // RCC is taken away, the connection drops and the call ends meanwhile.
  sim.setApp({ name: "presence-hub", password: "secret", apis: ["PbxApi", "PbxTableUsers", "PbxAdminApi"] });
  sim.dropAll();
  sim.endCall(call);
  await waitFor(() => synchronized === 2, 5000, "degraded reconnect");
  expect(adapter.status().reason).toMatch(/RCC not available/);
  expect(calls.filter(([g]) => g === G(1)).at(-1)?.[1]).toBe("idle");
});
