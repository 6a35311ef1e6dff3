// Stopping and restarting the hub mid-call through the production entry (runHub, the code under
// `presence-hub start`): a graceful stop leaves nobody diverted, the restart on the same data directory
// re-applies what the rules say for the ongoing Teams call, and the hub still undoes it when the call ends.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { configureRootLogger } from "../../common/log.js";
import { graphSimSettings } from "../hub/sim-settings.js";

// Browser flows drive real processes and chromium; on a loaded 2-core runner a step can take a while.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

configureRootLogger({ level: "warn" });

type Start = typeof import("../../server/cli/commands/start.js");
type Running = Awaited<ReturnType<Start["runHub"]>>;

async function until<T>(what: string, fn: () => T, ok: (v: T) => boolean, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe("restart mid-call", () => {
  let dataDir: string;
  let running: Running | undefined;
  let pbx: Awaited<ReturnType<typeof import("../../connectors/innovaphone/simulator/server.js")["startPbxSimulator"]>>;
  let graph: Awaited<ReturnType<typeof import("../../connectors/teams/simulator/server.js")["startGraphSimulator"]>>;
  let start: (port: number) => Promise<Running>;

  beforeAll(async () => {
    const { startPbxSimulator } = await import("../../connectors/innovaphone/simulator/server.js");
    const { startGraphSimulator } = await import("../../connectors/teams/simulator/server.js");
    const { runHub } = await import("../../server/cli/commands/start.js");
    const { loadConfig } = await import("../../server/config.js");
    const seed = await import("../../server/demo/seed.js");
    pbx = await startPbxSimulator({ port: 0, apps: [{ ...seed.DEMO_APP }], users: seed.demoPbxUsers() });
    graph = await startGraphSimulator({ port: 0, http: true, users: seed.demoGraphUsers() });
    dataDir = mkdtempSync(join(tmpdir(), "ph-restart-"));
    start = (port) =>
      runHub(loadConfig({ env: { PRESENCE_HUB_ADMIN_PASSWORD: "pw" }, overrides: { dataDir, host: "127.0.0.1", port } }));
  }, 60_000);
  afterAll(async () => {
    await running?.close();
    await pbx?.close();
    await graph?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("nobody stays diverted while the hub is down; the restart re-applies and later undoes", async () => {
    running = await start(0);
    const port = Number(new URL(running.url).port);
    const hub = running.hub;
    await hub.teams.save(graphSimSettings(graph, { webhookBaseUrl: running.url, pollIntervalSeconds: 5 }));
    const c = await hub.connectors.create({
      type: "innovaphone-dnd",
      name: "PBX",
      config: { server: "127.0.0.1", port: pbx.port, protocol: "ws", username: "presence-hub", password: "demo-app-password", defaultDestination: "299" },
    });
    await until("online", () => hub.connectors.get(c.id).status.state, (s) => s === "online");
    await until("matched", () => hub.endpoints.list({ matched: true }).total, (n) => n >= 5);
    const alice = graph.users().find((u) => u.upn === "alice@contoso.example")!.id;

    graph.setClientPresence(alice, { availability: "Busy", activity: "InACall" });
    await until("diverted", () => pbx.dial("alice", { ring: false }).result, (r) => r === "forwarded");

    await running.close(); // SIGTERM path
    running = undefined;
    expect(pbx.dial("alice", { ring: false }).result).toBe("rings");

    running = await start(port);
    await until("diverted again after restart", () => pbx.dial("alice", { ring: false }).result, (r) => r === "forwarded");

    graph.setClientPresence(alice, { availability: "Available", activity: "Available" });
    await until("rings after the call", () => pbx.dial("alice", { ring: false }).result, (r) => r === "rings");
  }, 90_000);
});
