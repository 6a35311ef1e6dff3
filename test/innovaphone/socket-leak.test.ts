// Issue 12 items 4 and 5b: every failed or abandoned PBX connect closes its socket (login answered with
// ok:false, a challenge never answered, stop() during a connect), counted on the simulator's side; and a
// frame above the client's size limit closes the connection with a clear error instead of being buffered.
import { afterEach, describe, expect, it } from "vitest";
import { createInnovaphoneAdapter } from "../../connectors/innovaphone/adapter.js";
import { AppWebsocketClient, MAX_FRAME_BYTES } from "../../connectors/innovaphone/client.js";
import type { InnovaphoneConfig } from "../../connectors/innovaphone/config.js";
import { type PbxSimulator, startPbxSimulator } from "../../connectors/innovaphone/simulator/server.js";
import type { HubError } from "../../common/errors.js";
import type { PbxAdapter } from "../../engine/ports/adapters.js";
import { makeUsers, waitFor } from "./helpers.js";

let sim: PbxSimulator | undefined;
let adapter: (PbxAdapter & { connectAttempts: number }) | undefined;
const clients: AppWebsocketClient[] = [];
afterEach(async () => {
  await adapter?.stop();
  adapter = undefined;
  for (const c of clients.splice(0)) c.close();
  await sim?.close();
  sim = undefined;
});

async function setup(over: Partial<InnovaphoneConfig> = {}) {
  sim = await startPbxSimulator({ users: makeUsers(2) });
  const config: InnovaphoneConfig = {
    server: "127.0.0.1",
    port: sim.port,
    protocol: "ws",
    username: "presence-hub",
    password: "secret",
    requestTimeoutMs: 1000,
    connectTimeoutMs: 300,
    pingIntervalMs: 100,
    deadAfterMs: 400,
    ...over,
  };
  adapter = createInnovaphoneAdapter(config, { backoff: { baseMs: 50, capMs: 100, stableMs: 500 } });
  return { sim, adapter };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("PBX sockets of failed connects are closed", () => {
  it("login answered with ok:false: auth_failed and no socket left open", async () => {
    const { sim, adapter } = await setup();
    sim.setFaults({ refuseLogins: true });
    adapter.start();
    await waitFor(() => adapter.status().state === "auth_failed", 4000, "auth_failed");
    expect(sim.stats().loginFailures).toBe(1);
    await waitFor(() => sim.stats().open === 0, 2000, "the refused socket to be closed").catch(() => undefined);
    expect(sim.stats().open).toBe(0);
    await adapter.stop();
    expect(sim.stats().open).toBe(0);
  });

  it("a challenge that is never answered: one socket at most while retrying, none after stop()", async () => {
    const { sim, adapter } = await setup();
    sim.setFaults({ ignoreChallenge: true });
    adapter.start();
    await waitFor(() => adapter.connectAttempts >= 5, 8000, "five connect attempts");
    await sleep(100);
    const open = sim.stats().open;
    expect(sim.stats().connections).toBeGreaterThanOrEqual(4);
    expect(open, `open sockets after ${sim.stats().connections} connects`).toBeLessThanOrEqual(1);
    await adapter.stop();
    await waitFor(() => sim.stats().open === 0, 2000, "no socket after stop").catch(() => undefined);
    expect(sim.stats().open).toBe(0);
  });

  it("stop() during a connect closes the half-open socket at once (not after the connect timeout)", async () => {
    const { sim, adapter } = await setup({ connectTimeoutMs: 10_000 });
    sim.setFaults({ ignoreChallenge: true });
    adapter.start();
    await waitFor(() => sim.stats().challenges === 1, 4000, "the challenge request");
    expect(sim.stats().open).toBe(1);
    await adapter.stop();
    await waitFor(() => sim.stats().open === 0, 1500, "the socket to close").catch(() => undefined);
    expect(sim.stats().open).toBe(0);
    await sleep(200);
    expect(sim.stats().connections).toBe(1); // and no new attempt after stop
  });

  it("the client itself closes its socket when connect() fails (AUTH_FAILED, TIMEOUT)", async () => {
    sim = await startPbxSimulator({});
    const s = sim;
    const c1 = new AppWebsocketClient({ url: s.url, app: "presence-hub", password: "wrong", connectTimeoutMs: 500 });
    await expect(c1.connect()).rejects.toMatchObject({ code: "AUTH_FAILED" });
    await waitFor(() => s.stats().open === 0, 1500, "closed after AUTH_FAILED").catch(() => undefined);
    expect(s.stats().open).toBe(0);
    s.setFaults({ ignoreChallenge: true });
    const c2 = new AppWebsocketClient({ url: s.url, app: "presence-hub", password: "secret", connectTimeoutMs: 300 });
    await expect(c2.connect()).rejects.toMatchObject({ code: "TIMEOUT" });
    await waitFor(() => s.stats().open === 0, 1500, "closed after TIMEOUT").catch(() => undefined);
    expect(s.stats().open).toBe(0);
  });
});

describe("frame size limit (5b)", () => {
  it("is 8 MiB by default", () => {
    expect(MAX_FRAME_BYTES).toBe(8 * 1024 * 1024);
  });

  it("a frame above the limit closes the connection with a PROTOCOL error; frames below it are read", async () => {
    sim = await startPbxSimulator({ users: makeUsers(1) });
    const s = sim;
    const c = new AppWebsocketClient({ url: s.url, app: "presence-hub", password: "secret", maxFrameBytes: 1024 * 1024 });
    clients.push(c);
    await c.connect();
    const closed = new Promise<HubError>((resolve) => c.on("close", resolve));
    const unhandled: unknown[] = [];
    c.on("unhandled", (m) => unhandled.push(m));
    // just below the limit: delivered
    s.sendRaw(JSON.stringify({ mt: "Big", pad: "x".repeat(1024 * 1024 - 100) }));
    await waitFor(() => unhandled.length === 1, 3000, "the large frame");
    // above it: the connection goes, with a message that says why
    s.sendRaw(JSON.stringify({ mt: "Huge", pad: "x".repeat(2 * 1024 * 1024) }));
    const err = await closed;
    expect(err.code).toBe("PROTOCOL");
    expect(err.message).toMatch(/larger than 1 MiB/);
    expect(c.isOpen).toBe(false);
    await waitFor(() => s.stats().open === 0, 2000, "the server side to see the close");
  });
});
