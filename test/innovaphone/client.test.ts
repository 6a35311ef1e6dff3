// AppWebsocket client against the simulator: login, src routing (incl. replies without src), timeouts,
// fail-all-pending on close, malformed frames, TLS verification with CA / insecure opt-out.
import { afterEach, describe, expect, it } from "vitest";
import { AppWebsocketClient, appWebsocketUrl } from "../../connectors/innovaphone/client.js";
import { type PbxSimulator, startPbxSimulator } from "../../connectors/innovaphone/simulator/server.js";
import { isHubError } from "../../common/errors.js";
import { makeUsers, waitFor } from "./helpers.js";

let sim: PbxSimulator | undefined;
const clients: AppWebsocketClient[] = [];
function client(over: Partial<ConstructorParameters<typeof AppWebsocketClient>[0]> = {}): AppWebsocketClient {
  const c = new AppWebsocketClient({
    url: sim!.url,
    app: "presence-hub",
    password: "secret",
    requestTimeoutMs: 1000,
    ...over,
  });
  clients.push(c);
  return c;
}
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await sim?.close();
  sim = undefined;
});

describe("AppWebsocketClient", () => {
  it("builds the URL", () => {
    expect(appWebsocketUrl("wss", "pbx.example.com", 443)).toBe(
      "wss://pbx.example.com:443/PBX0/APPS/websocket",
    );
    expect(appWebsocketUrl("ws", "::1", 80, "/PBX1/")).toBe("ws://[::1]:80/PBX1/APPS/websocket");
  });

  it("logs in and correlates concurrent requests by src", async () => {
    sim = await startPbxSimulator({ users: makeUsers(3) });
    const c = client();
    await c.connect();
    const results = await Promise.all(
      [0, 1, 2].map((i) => c.request("PbxAdminApi", "GetObject", { h323: `user${i}` })),
    );
    expect(results.map((r) => r.h323)).toEqual(["user0", "user1", "user2"]);
    const srcs = sim
      .log()
      .map((e) => (typeof e.msg === "object" ? e.msg.src : undefined))
      .filter(Boolean);
    expect(new Set(srcs).size).toBe(srcs.length);
  });

  it("rejects bad credentials with AUTH_FAILED and works with a numeric challenge", async () => {
    sim = await startPbxSimulator({ challenge: "numeric" });
    await expect(client({ password: "wrong" }).connect()).rejects.toMatchObject({ code: "AUTH_FAILED" });
    await client().connect();
  });

  it("matches replies without src by mt+Result", async () => {
    sim = await startPbxSimulator({ users: makeUsers(1) });
    const c = client();
    await c.connect();
    sim.setFaults({ omitSrc: true });
    const r = await c.request("PbxApi", "GetNodeInfo");
    expect(r.country_code).toBe("49");
  });

  it("times out silent requests and fails every pending request on close", async () => {
    sim = await startPbxSimulator({ users: makeUsers(1) });
    const c = client({ requestTimeoutMs: 200 });
    await c.connect();
    sim.setFaults({ dropReplies: true });
    await expect(c.request("PbxApi", "GetNodeInfo")).rejects.toMatchObject({ code: "TIMEOUT" });
    const pending = [
      c.request("PbxApi", "GetNodeInfo", {}, { timeoutMs: 5000 }),
      c.request("RCC", "Initialize", {}, { timeoutMs: 5000 }),
    ];
    const closed = new Promise((r) => c.on("close", r));
    sim.dropAll();
    const settled = await Promise.allSettled(pending);
    expect(settled.every((s) => s.status === "rejected" && isHubError(s.reason, "CONNECTION_CLOSED"))).toBe(
      true,
    );
    await closed;
  });

  it("logs malformed frames and keeps going", async () => {
    sim = await startPbxSimulator({ users: makeUsers(1) });
    const c = client();
    await c.connect();
    let bad = 0;
    c.on("malformed", () => bad++);
    sim.sendRaw("{not json");
    sim.sendRaw('["array"]');
    await waitFor(() => bad === 2);
    expect((await c.request("PbxApi", "GetNodeInfo")).name).toBe("root");
  });

  it("detects a silent PBX by missing pongs", async () => {
    sim = await startPbxSimulator({ users: makeUsers(1) });
    const c = client({ pingIntervalMs: 100, deadAfterMs: 350 });
    await c.connect();
    const closed = new Promise<Error>((r) => c.on("close", r));
    sim.setFaults({ dropReplies: true });
    expect((await closed).message).toMatch(/did not answer/);
  });

  it("keeps an idle connection to a PBX that ignores pings alive by probing, and drops it without probes", async () => {
    sim = await startPbxSimulator({ answerPings: false });
    const probed = client({ pingIntervalMs: 50, deadAfterMs: 400 });
    const bare = client({ pingIntervalMs: 50, deadAfterMs: 400, livenessProbe: null });
    await probed.connect();
    await bare.connect();
    await new Promise((r) => setTimeout(r, 1000));
    expect(probed.isOpen).toBe(true);
    expect(bare.isOpen).toBe(false);
    expect(sim.log().some((e) => typeof e.msg === "object" && e.msg.mt === "GetNodeInfo")).toBe(true);
  });

  it("verifies TLS by default, trusts a given CA, and connects with insecure", async () => {
    sim = await startPbxSimulator({ tls: true, users: makeUsers(1) });
    expect(sim.url.startsWith("wss://")).toBe(true);
    const err = await client()
      .connect()
      .catch((e) => e);
    expect(err.code).toBe("CONNECT_FAILED");
    expect(err.message).toMatch(/certificate|TLS/i);
    await client({ tls: { ca: sim.certPem } }).connect();
    await client({ tls: { insecure: true } }).connect();
  });

  it("reports connection refused plainly", async () => {
    sim = await startPbxSimulator();
    const url = sim.url;
    await sim.close();
    sim = undefined;
    const c = new AppWebsocketClient({ url, app: "a", password: "b" });
    await expect(c.connect()).rejects.toMatchObject({
      code: "CONNECT_FAILED",
      message: expect.stringMatching(/refused/),
    });
  });
});

describe("AppWebsocketClient seams", () => {
  it("uses the injected socket factory", async () => {
    sim = await startPbxSimulator();
    const urls: string[] = [];
    const { default: WebSocket } = await import("ws");
    const c = client({
      socketFactory: (url, opts) => {
        urls.push(url);
        return new WebSocket(url, opts);
      },
    });
    await c.connect();
    expect(urls).toEqual([sim.url]);
  });
});
