// A stored secret is only used with the target it was saved for (issue 12, security item 1): a Test or a
// Save that points the connector or Microsoft 365 somewhere else must carry the secret again. A trap server
// on loopback stands in for the attacker's host and records whether anything reached it.
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocketServer } from "ws";
import { type PbxSimulator, startPbxSimulator } from "../../connectors/innovaphone/simulator/server.js";
import { type GraphSimulator, startGraphSimulator } from "../../connectors/teams/simulator/server.js";
import type { Hub } from "../../server/hub/types.js";
import { until } from "../sync/fakes.js";
import { graphSimSettings, openPollingHub, pbxSimConfig } from "./sim-settings.js";

const APP = { name: "presence-hub", password: "binding-app-pw" };

let pbx: PbxSimulator;
let graph: GraphSimulator;
let dir: string;
let hub: Hub;
let connectorId: string;
let trap: Server;
let trapPort: number;
const trapped: string[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "hub-binding-"));
  pbx = await startPbxSimulator({ host: "127.0.0.1", port: 0, apps: [APP], users: [] });
  graph = await startGraphSimulator({ host: "127.0.0.1", port: 0, http: true, users: [] });
  // The attacker's host: an HTTP server that also accepts WebSocket upgrades and records every message.
  trap = createServer((req, res) => {
    trapped.push(`http ${req.method} ${req.url}`);
    res.writeHead(500).end();
  });
  const wss = new WebSocketServer({ server: trap });
  wss.on("connection", (ws) => {
    trapped.push("ws connection");
    ws.on("message", (m) => {
      const text = String(m);
      trapped.push(`ws ${text}`);
      // Play the PBX until the login arrives: that digest is what an attacker wants.
      if (text.includes('"AppChallenge"'))
        ws.send(JSON.stringify({ mt: "AppChallengeResult", challenge: "0123456789abcdef" }));
      if (text.includes("AppLogin")) ws.close();
    });
  });
  await new Promise<void>((r) => trap.listen(0, "127.0.0.1", r));
  trapPort = (trap.address() as AddressInfo).port;
  hub = await openPollingHub(dir);
  await hub.teams.save(graphSimSettings(graph));
  const c = await hub.connectors.create({
    type: "innovaphone-dnd",
    name: "PBX",
    config: pbxSimConfig(pbx, APP),
  });
  connectorId = c.id;
  await until(() => hub.connectors.get(connectorId).status.state === "online", 15_000, "connector online");
});

afterAll(async () => {
  await hub?.close({ undo: false });
  await pbx?.close();
  await graph?.close();
  trap?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("PBX connector: the stored password stays with its PBX", () => {
  it("Test against another server/port without the password: 400 naming config.password, nothing sent", async () => {
    trapped.length = 0;
    for (const config of [
      { port: trapPort },
      { server: "localhost", port: trapPort },
      { protocol: "wss" as const },
    ]) {
      await expect(hub.connectors.test({ id: connectorId, config })).rejects.toMatchObject({
        code: "VALIDATION",
        message: expect.stringMatching(/^config\.password: enter it again/),
      });
    }
    await new Promise((r) => setTimeout(r, 300));
    expect(trapped).toEqual([]);
  });

  it("Test with the password typed again goes to the new target; the saved target still works without it", async () => {
    trapped.length = 0;
    const r = await hub.connectors.test({
      id: connectorId,
      config: { port: trapPort, password: "typed-again" },
    });
    expect(r.ok).toBe(false);
    expect(trapped).toContain("ws connection");
    expect(trapped.some((m) => m.includes("AppLogin"))).toBe(true);
    expect((await hub.connectors.test({ id: connectorId })).ok).toBe(true);
    expect((await hub.connectors.test({ id: connectorId, config: { defaultDestination: "200" } })).ok).toBe(
      true,
    );
  });

  it("Save of another port without the password: 400, nothing stored, still connected to the saved PBX", async () => {
    trapped.length = 0;
    await expect(hub.connectors.update(connectorId, { config: { port: trapPort } })).rejects.toMatchObject({
      code: "VALIDATION",
      message: expect.stringContaining("config.password"),
    });
    expect(hub.connectors.get(connectorId).config.port).toBe(pbx.port);
    expect(hub.connectors.get(connectorId).status.state).toBe("online");
    expect(trapped).toEqual([]);
  });
});

describe("Microsoft 365: the stored client secret stays with its tenant, app, authority and Graph", () => {
  const trapUrl = () => `http://127.0.0.1:${trapPort}`;

  it("Test with another authority/Graph URL without the secret: 400 naming clientSecret, nothing sent", async () => {
    trapped.length = 0;
    for (const input of [
      { authorityUrl: trapUrl() },
      { graphUrl: trapUrl() },
      { authorityUrl: trapUrl(), graphUrl: trapUrl() },
      { tenantId: "other-tenant" },
    ]) {
      await expect(hub.teams.test(input)).rejects.toMatchObject({
        code: "VALIDATION",
        message: expect.stringMatching(/^clientSecret: enter it again/),
      });
    }
    await new Promise((r) => setTimeout(r, 300));
    expect(trapped).toEqual([]);
    expect((await hub.teams.test({})).ok).toBe(true);
  });

  it("Save with another authority without the secret: 400 and the saved settings stay", async () => {
    await expect(hub.teams.save({ authorityUrl: trapUrl() })).rejects.toMatchObject({ code: "VALIDATION" });
    expect(hub.teams.get().authorityUrl).toBe(graph.url);
    expect(trapped).toEqual([]);
  });
});
