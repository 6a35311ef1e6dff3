// The physical reference for every throughput number: a bare `ws` client/server JSON round-trip loop on
// this machine over loopback. Hub throughput is reported as a ratio of it, so results travel across machines.
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { WebSocket, WebSocketServer } from "ws";
import type { BenchResult } from "./types.js";

/** Sequential JSON request/response round trips per second, plus pipelined (window of 64) messages per second. */
export async function measureWsReference(durationMs = 1500): Promise<{ rttPerSec: number; pipelinedPerSec: number; p50Us: number; p99Us: number }> {
  const server = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  await once(server, "listening");
  server.on("connection", (s) => {
    s.on("message", (data) => {
      const m = JSON.parse(String(data)) as { src: string };
      s.send(JSON.stringify({ mt: "SetPresenceResult", api: "PbxApi", src: m.src }));
    });
  });
  const port = (server.address() as AddressInfo).port;
  const client = new WebSocket(`ws://127.0.0.1:${port}`);
  await once(client, "open");

  const request = (i: number) =>
    JSON.stringify({ mt: "SetPresence", api: "PbxApi", sip: `user${i}`, contact: "presence-hub:", activity: "dnd", note: "", src: `s${i}` });

  // Sequential round trips: one in flight.
  const samples: number[] = [];
  let n = 0;
  const end = Date.now() + durationMs;
  while (Date.now() < end) {
    const t0 = process.hrtime.bigint();
    client.send(request(n++));
    await once(client, "message");
    samples.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  const seqElapsed = durationMs / 1000;
  samples.sort((a, b) => a - b);

  // Pipelined: a window of 64 in flight, like a hub pushing many endpoints.
  let sent = 0;
  let received = 0;
  const window = 64;
  const pipeEnd = Date.now() + durationMs;
  const t0 = Date.now();
  await new Promise<void>((resolve) => {
    const pump = () => {
      while (sent - received < window && Date.now() < pipeEnd) client.send(request(sent++));
      if (Date.now() >= pipeEnd && received === sent) resolve();
    };
    client.on("message", () => {
      received++;
      pump();
    });
    pump();
  });
  const pipeElapsed = (Date.now() - t0) / 1000;
  client.close();
  server.close();
  return {
    rttPerSec: n / seqElapsed,
    pipelinedPerSec: received / pipeElapsed,
    p50Us: samples[Math.floor(samples.length * 0.5)],
    p99Us: samples[Math.floor(samples.length * 0.99)],
  };
}

export async function run(): Promise<BenchResult[]> {
  const r = await measureWsReference();
  return [
    {
      area: "reference",
      name: "bare ws JSON round trip (1 in flight)",
      values: { perSec: Math.round(r.rttPerSec), p50Us: Math.round(r.p50Us), p99Us: Math.round(r.p99Us) },
      note: "physical reference: plain ws client/server on loopback",
    },
    {
      area: "reference",
      name: "bare ws JSON messages (64 in flight)",
      values: { perSec: Math.round(r.pipelinedPerSec) },
      note: "physical reference for throughput ratios",
    },
  ];
}
