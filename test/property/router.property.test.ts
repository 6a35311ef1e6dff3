// Property-based tests (fast-check) of the AppWebsocket message router (connectors/innovaphone/client.ts)
// against a scripted bare `ws` server: for any batch of concurrent requests, any reply order, and any noise
// interleaved (garbage text, binary, JSON that is not a message, results with unknown or foreign src,
// subscription events, KeepAlive), every request resolves with exactly its own reply (correlated by src),
// listeners get exactly their events, noise is counted as malformed/unhandled, and the connection survives.
// (The owners' tests cover fixed malformed frames; this covers arbitrary orderings and noise.)
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type WebSocket, WebSocketServer } from "ws";
import { type AppMessage, AppWebsocketClient } from "../../connectors/innovaphone/client.js";

/** What the server does with the requests of one round, decided by the property's inputs. */
interface Script {
  order: number[];
  noise: { at: number; frame: string | Buffer }[];
  events: number;
}

let server: WebSocketServer;
let port: number;
/** The server side of the current round; set per connection. */
let peer: WebSocket | undefined;
let inbox: AppMessage[] = [];
const inboxWaiters: (() => void)[] = [];

beforeAll(async () => {
  server = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  await once(server, "listening");
  port = (server.address() as AddressInfo).port;
  server.on("connection", (s) => {
    peer = s;
    s.on("message", (data) => {
      const m = JSON.parse(String(data)) as AppMessage;
      if (m.mt === "AppChallenge") return s.send(JSON.stringify({ mt: "AppChallengeResult", challenge: "1234567890" }));
      if (m.mt === "AppLogin") return s.send(JSON.stringify({ mt: "AppLoginResult", ok: true }));
      inbox.push(m);
      for (const w of inboxWaiters.splice(0)) w();
    });
  });
});

afterAll(async () => {
  server.close();
});

async function requestsArrived(n: number): Promise<AppMessage[]> {
  while (inbox.length < n) await new Promise<void>((r) => inboxWaiters.push(r));
  const got = inbox.slice(0, n);
  inbox = inbox.slice(n);
  return got;
}

const noiseFrame = fc.oneof(
  fc.string({ maxLength: 40 }).map((s) => `{${s}`), // broken JSON
  fc.constantFrom("[]", "null", "42", '"text"', '{"mt":7}', '{"no":"mt"}'),
  fc.uint8Array({ maxLength: 16 }).map((b) => Buffer.from(b)), // binary
  fc.record({ mt: fc.constantFrom("SetPresenceResult", "GetNodeInfoResult", "Unknown"), src: fc.string({ maxLength: 12 }) }).map((m) => JSON.stringify({ ...m, src: `foreign-${m.src}` })),
  fc.constant('{"mt":"KeepAlive"}'),
);

describe("AppWebsocket router (property)", () => {
  it("correlates every reply with its own request for any order and any noise; the connection survives", async () => {
    const client = new AppWebsocketClient({
      url: `ws://127.0.0.1:${port}/PBX0/APPS/websocket`,
      app: "presence-hub",
      password: "secret",
      requestTimeoutMs: 5000,
      pingIntervalMs: 0,
      keepAliveIntervalMs: 0,
    });
    await client.connect();
    let malformed = 0;
    let unhandled = 0;
    client.on("malformed", () => malformed++);
    client.on("unhandled", () => unhandled++);
    const listenSrc = "sub-presence";
    const heard: number[] = [];
    client.listen(listenSrc, (m) => heard.push(Number(m.seq)));

    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 12 }).chain((n) =>
          fc.record({
            order: fc.shuffledSubarray([...Array(n).keys()], { minLength: n, maxLength: n }),
            noise: fc.array(fc.record({ at: fc.integer({ min: 0, max: n }), frame: noiseFrame }), { maxLength: 8 }),
            events: fc.integer({ min: 0, max: 4 }),
          }),
        ),
        async (script: Script) => {
          const n = script.order.length;
          const malformedBefore = malformed;
          const heardBefore = heard.length;
          const replies = Array.from({ length: n }, (_, i) =>
            client.request("PbxApi", i % 2 ? "SetPresence" : "GetNodeInfo", { k: i }),
          );
          const reqs = await requestsArrived(n);
          const s = peer as WebSocket;
          let seq = 0;
          for (let pos = 0; pos <= n; pos++) {
            for (const x of script.noise.filter((x) => x.at === pos)) s.send(x.frame);
            if (pos < n && seq < script.events) s.send(JSON.stringify({ mt: "PresenceChanged", api: "PbxApi", src: listenSrc, seq: seq++ }));
            if (pos === n) break;
            const r = reqs[script.order[pos]];
            s.send(JSON.stringify({ mt: `${r.mt}Result`, api: r.api, src: r.src, echo: r.k }));
          }
          const got = await Promise.all(replies);
          // Each request got the reply for exactly itself.
          got.forEach((m, i) => {
            expect(m.echo).toBe(i);
            expect(m.mt).toBe(`${i % 2 ? "SetPresence" : "GetNodeInfo"}Result`);
          });
          // Listener got exactly the events, in order.
          expect(heard.slice(heardBefore)).toEqual([...Array(seq).keys()]);
          // Every frame that is not a JSON object with a string mt was counted as malformed.
          const broken = script.noise.filter((x) => typeof x.frame !== "string" || !/^\{"mt":"/.test(x.frame)).length;
          // Barrier: one more round trip, so every frame sent before it has been routed (ws keeps order).
          const barrier = client.request("PbxApi", "Barrier");
          const [b] = await requestsArrived(1);
          s.send(JSON.stringify({ mt: "BarrierResult", api: "PbxApi", src: b.src }));
          await barrier;
          expect(malformed - malformedBefore).toBe(broken);
          expect(client.isOpen).toBe(true);
        },
      ),
      { numRuns: 60, seed: 0x60c4e7 },
    );
    expect(unhandled).toBeGreaterThanOrEqual(0);
    client.close();
  });

  it("fails every in-flight request (never hangs) when the socket closes mid-batch", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 10 }), fc.integer({ min: 0, max: 10 }), async (n, answered) => {
        const client = new AppWebsocketClient({ url: `ws://127.0.0.1:${port}/PBX0/APPS/websocket`, app: "a", password: "p", requestTimeoutMs: 10_000, pingIntervalMs: 0, keepAliveIntervalMs: 0 });
        await client.connect();
        inbox = [];
        const replies = Array.from({ length: n }, (_, i) => client.request("PbxApi", "SetPresence", { k: i }).then((m) => m.echo, (e: Error) => e.message));
        const reqs = await requestsArrived(n);
        const s = peer as WebSocket;
        const k = Math.min(answered, n);
        for (const r of reqs.slice(0, k)) s.send(JSON.stringify({ mt: "SetPresenceResult", api: "PbxApi", src: r.src, echo: r.k }));
        await new Promise((r) => setTimeout(r, 5));
        s.terminate();
        const out = await Promise.all(replies);
        expect(out.slice(0, k)).toEqual([...Array(k).keys()]);
        for (const v of out.slice(k)) expect(String(v)).toMatch(/closed/i);
      }),
      { numRuns: 25, seed: 0x60c4e8 },
    );
  });
});
