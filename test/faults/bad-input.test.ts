// Fault test: bad input everywhere against one running hub (real HTTP server, SQLite, real adapters, both
// simulators): malformed and oversized PBX frames, malformed / oversized / wrong-clientState / replayed
// webhook bodies, an invalid YAML rule file, invalid API bodies, wrong credentials. Each must get a clear
// error (HTTP status + message, or a logged warning / rule status naming the problem), the process stays up,
// presence keeps flowing, and what is stored is intact (same views, SQLite integrity_check after a restart).
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_HUB_CONTACT } from "../../connectors/innovaphone/config.js";
import { configureRootLogger } from "../../common/log.js";
import type { RunningHub } from "../../server/run-hub.js";
import type { TeamsAdapterFactory } from "../../server/hub/types.js";
import { FAST_SYNC, fastFactories } from "./factories.js";
import { ADMIN_PASSWORD, APP, configureHub, converged, RULE_TYPE, startHub, startWorld, until, type World } from "./harness.js";

// Capture the hub's log lines (warnings are the "clear error" for input nobody answers, e.g. PBX frames).
const logLines: string[] = [];
configureRootLogger({ level: "debug" }, { write: (line: string) => void logLines.push(line) } as never);

const API_TOKEN = "faults-api-token-0123456789abcdef";
const RULES_SRC = fileURLToPath(new URL("../../rules", import.meta.url));

describe("bad input everywhere: clear errors, the process stays up, nothing stored is corrupted", () => {
  let world: World;
  let running: RunningHub;
  let dataDir: string;
  let rulesDir: string;
  let connectorId: string;
  /** Every notification body the hub's Teams adapter received (for the replay case). */
  const bodies: unknown[] = [];
  let stats: () => { ignoredClientState?: number } = () => ({});
  const rs = () => running.registry.get(RULE_TYPE)!;
  const api = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    fetch(`${running.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${API_TOKEN}`, ...(body !== undefined ? { "content-type": "application/json" } : {}), ...headers },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
  const snapshot = () =>
    JSON.stringify({
      connectors: running.hub.connectors.list().map(({ status: _s, counts: _c, ...c }) => c),
      teams: (({ status: _s, ...t }) => t)(running.hub.teams.get()),
      endpoints: running.hub.endpoints.list({ limit: 500 }).items.map((e) => [e.id, e.pbxGuid, e.teamsUserId, e.enabled, e.match]),
    });

  beforeAll(async () => {
    world = await startWorld(6);
    dataDir = mkdtempSync(join(tmpdir(), "ph-bad-"));
    rulesDir = join(dataDir, "..", `${dataDir.split("/").pop()}-rules`);
    mkdirSync(rulesDir);
    // Recursive: the sets extend fragments in rules/fragments/.
    cpSync(RULES_SRC, rulesDir, { recursive: true });
    const fast = fastFactories(7);
    const base = fast.teamsFactory as TeamsAdapterFactory;
    const teamsFactory: TeamsAdapterFactory = {
      create: (config, deps) => {
        const a = base.create(config, deps) as ReturnType<TeamsAdapterFactory["create"]> & {
          handleNotifications(b: unknown): void;
          webhookStats(): { ignoredClientState?: number };
        };
        const handle = a.handleNotifications.bind(a);
        a.handleNotifications = (b) => {
          bodies.push(structuredClone(b));
          handle(b);
        };
        stats = () => a.webhookStats();
        return a;
      },
      test: base.test,
    };
    running = await startHub(dataDir, 0, { ...fast, teamsFactory, sync: FAST_SYNC }, { rulesDir, apiToken: API_TOKEN });
    connectorId = await configureHub(running.hub, running.url, world);
    await converged(world, rs, world.graph.clientId, 20_000);
  }, 60_000);

  afterAll(async () => {
    await running?.close();
    await world?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    if (rulesDir) rmSync(rulesDir, { recursive: true, force: true });
  });

  /** Presence still flows both ways after the bad input (a Teams call on user 1 → PBX dnd, and back). */
  async function stillWorks(): Promise<void> {
    const u = world.users[0];
    world.setClient(u, { availability: "Busy", activity: "InACall" });
    await converged(world, rs, world.graph.clientId, 20_000);
    world.setClient(u, { availability: "Available", activity: "Available" });
    await converged(world, rs, world.graph.clientId, 20_000);
    expect(running.hub.health().ok).toBe(true);
  }

  it("malformed and oversized PBX frames are logged and ignored; the connector stays usable", async () => {
    const before = logLines.length;
    for (const raw of ["not json {", "[]", "null", '{"mt":42}', '{"mt":"PresenceChanged","api":"PbxApi"}', '{"mt":"SetPresenceResult","src":"nobody-asked"}', `{"mt":"x","pad":"${"x".repeat(4 * 2 ** 20)}"}`, "\u0000\u0001"]) {
      world.pbx.sendRaw(raw);
    }
    await until("the malformed frames to be logged", () => logLines.slice(before).some((l) => /malformed/i.test(l)), 10_000);
    await until("the connector online", () => running.hub.connectors.get(connectorId).status.state === "online", 20_000);
    await stillWorks();
  });

  it("webhook: malformed JSON → 400, oversized → 413, wrong clientState → ignored, validation handshake intact", async () => {
    const post = (body: string, type = "application/json") =>
      fetch(`${running.url}/graph/notify`, { method: "POST", headers: { "content-type": type }, body });
    const malformed = await post("{ not json");
    expect(malformed.status).toBe(400);
    expect(await malformed.text()).toMatch(/json/i);
    const big = await post(JSON.stringify({ value: [], pad: "x".repeat(5 * 2 ** 20) }));
    expect(big.status).toBe(413);
    // A well-formed notification for a real user, with a subscription id that is not ours / a wrong clientState.
    const u = world.users[1];
    const ignoredBefore = stats().ignoredClientState ?? 0;
    const forged = await post(
      JSON.stringify({
        value: [
          {
            subscriptionId: String(world.graph.subscriptions()[0]?.id),
            clientState: "guessed",
            changeType: "updated",
            resource: `communications/presences/${u.teamsId}`,
            resourceData: { id: u.teamsId, availability: "Busy", activity: "InACall" },
          },
        ],
      }),
    );
    expect(forged.status).toBe(202); // Graph needs a fast ack; the item is dropped, not processed
    await until("the forged item to be counted as ignored", () => (stats().ignoredClientState ?? 0) > ignoredBefore, 5000);
    const handshake = await fetch(`${running.url}/graph/notify?validationToken=${encodeURIComponent("a b+c")}`, { method: "POST" });
    expect(await handshake.text()).toBe("a b+c");
    // The forged "InACall" changed nothing on the PBX.
    await new Promise((r) => setTimeout(r, 300));
    const slot = (world.pbx.user(u.h323).presence as { contact: string; activity: string }[]).find((p) => p.contact === DEFAULT_HUB_CONTACT);
    expect(slot?.activity ?? "").toBe("");
    await stillWorks();
  });

  it("webhook: a replayed older notification does not roll back the newer state", async () => {
    const u = world.users[2];
    const from = bodies.length;
    world.setClient(u, { availability: "Busy", activity: "InACall" });
    await converged(world, rs, world.graph.clientId, 20_000);
    // The genuine notification that carried this user's InACall (captured as the adapter received it).
    const old = bodies.slice(from).find((b) => JSON.stringify(b).includes(u.teamsId));
    expect(old).toBeDefined();
    world.setClient(u, { availability: "Available", activity: "Available" });
    await converged(world, rs, world.graph.clientId, 20_000);
    const received = bodies.length;
    const replay = await fetch(`${running.url}/graph/notify`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(old) });
    expect(replay.status).toBe(202);
    await new Promise((r) => setTimeout(r, 1000));
    expect(bodies.length).toBeGreaterThan(received); // the replay did reach the adapter
    // Still what the latest presence says (Available → hub slot empty), not the replayed InACall.
    await converged(world, rs, world.graph.clientId, 1000);
  });

  it("invalid YAML keeps the last good rules running and names file:line:column", async () => {
    const file = join(rulesDir, `${RULE_TYPE}.yaml`);
    const good = readFileSync(file, "utf8");
    const revision = rs().revision;
    writeFileSync(file, `${good}\n  - this: [is, not: valid\n`);
    const status = await until(
      "the registry to report the invalid file",
      () => {
        const s = running.registry.status(RULE_TYPE);
        return s?.state === "invalid" ? s : undefined;
      },
      15_000,
    );
    expect(status?.lastError?.formatted).toMatch(/innovaphone-dnd\.yaml:\d+:\d+/);
    expect(status?.active).toBe(true);
    expect(rs().revision).toBe(revision);
    await stillWorks();
    writeFileSync(file, good);
    await until("the fixed file to load", () => running.registry.status(RULE_TYPE)?.state === "ok", 15_000);
  });

  it("invalid API bodies → 400 with the field named; wrong credentials → 401/429; stored config unchanged", async () => {
    const before = snapshot();
    const cases: [string, string, unknown, number, RegExp][] = [
      ["POST", "/api/connectors", {}, 400, /type|name/],
      ["POST", "/api/connectors", { type: RULE_TYPE, name: "x", config: { port: 70000 } }, 400, /port/],
      ["POST", "/api/connectors", "{ not json", 400, /json/i],
      ["PUT", `/api/connectors/${connectorId}/config`, { port: "eighty" }, 400, /port/],
      ["PUT", `/api/connectors/${connectorId}/config`, { protocol: "ftp" }, 400, /protocol/],
      ["PATCH", `/api/connectors/${connectorId}`, { enabled: "yes" }, 400, /enabled/],
      ["PATCH", "/api/connectors/no-such-id", { name: "x" }, 404, /not found/i],
      ["PUT", "/api/teams", { pollIntervalSeconds: -1 }, 400, /pollIntervalSeconds/],
      ["POST", "/api/endpoints/bulk-enable", { enabled: "maybe" }, 400, /enabled/],
    ];
    for (const [method, path, body, status, message] of cases) {
      const res = await api(method, path, body);
      const text = await res.text();
      expect(res.status, `${method} ${path} ${JSON.stringify(body)} → ${text}`).toBe(status);
      expect(text, `${method} ${path}`).toMatch(message);
    }
    const huge = await api("POST", "/api/connectors", { type: RULE_TYPE, name: "x".repeat(3 * 2 ** 20) });
    expect([400, 413]).toContain(huge.status);

    // Wrong credentials: API token, admin login (then throttled), PBX password in a connection test.
    expect((await api("GET", "/api/connectors", undefined, { authorization: "Bearer wrong-token-0123456789abcdef" })).status).toBe(401);
    expect((await fetch(`${running.url}/api/connectors`)).status).toBe(401);
    const login = (password: string) =>
      fetch(`${running.url}/api/auth/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username: "admin", password }) });
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await login("wrong")).status);
    expect(statuses[0]).toBe(401);
    expect(statuses).toContain(429);
    const t = await api("POST", `/api/connectors/${connectorId}/test`, { config: { password: "not-the-password" } });
    const result = (await t.json()) as { ok: boolean; summary: string };
    expect(result.ok).toBe(false);
    expect(result.summary).toMatch(/log ?in|password|auth/i);
    expect(JSON.stringify(result)).not.toContain(APP.password);

    expect(snapshot()).toEqual(before);
    expect(running.hub.connectors.get(connectorId).status.state).toBe("online");
    await stillWorks();
    expect(ADMIN_PASSWORD).toBeTruthy();
  });

  it("after all of it the store is intact: integrity_check ok and a restart serves the same configuration", async () => {
    const before = snapshot();
    await running.close();
    const db = new Database(join(dataDir, "hub.db"), { readonly: true });
    expect(db.pragma("integrity_check", { simple: true })).toBe("ok");
    db.close();
    running = await startHub(dataDir, 0, { ...fastFactories(8), sync: FAST_SYNC }, { rulesDir, apiToken: API_TOKEN });
    await until("the connector online after the restart", () => running.hub.connectors.get(connectorId).status.state === "online", 20_000);
    expect(snapshot()).toEqual(before);
  });
});
