// Benchmark of the innovaphone connector against the PBX simulator (5,000 users): time from start() to
// fully replicated + every user subscribed (+ RCC initialized → `synchronized`), and SetPresence round trips
// per second (sequential and 32 in flight). A benchmark, not a timed test.
import { createInnovaphoneAdapter } from "../../connectors/innovaphone/adapter.js";
import { startPbxSimulator } from "../../connectors/innovaphone/simulator/server.js";
import type { SimUserInput } from "../../connectors/innovaphone/simulator/types.js";
import type { BenchResult } from "./types.js";

const USERS = 5000;

export async function run(): Promise<BenchResult[]> {
  const users: SimUserInput[] = Array.from({ length: USERS }, (_, i) => ({
    guid: i.toString(16).padStart(32, "0"),
    h323: `user${i}`,
    cn: `User ${i}`,
    e164: String(10000 + i),
    emails: [`user${i}@example.com`],
    cfpr: true,
    cds: i % 3 === 0 ? [{ type: "cfb", e164: "200" }] : [],
  }));
  // rccTickMs 0: measure the hub, not the PBX's documented 50-per-20-ms UserInfo pacing (reported separately).
  const sim = await startPbxSimulator({ users, rccTickMs: 0 });
  const adapter = createInnovaphoneAdapter({
    server: "127.0.0.1",
    port: sim.port,
    protocol: "ws",
    username: "presence-hub",
    password: "secret",
    requestTimeoutMs: 30_000,
  });
  const guids = users.map((u) => u.guid as string);
  const subscribed = new Set<string>();
  adapter.on("presence", (g) => subscribed.add(g));
  let rows = 0;
  let tReplicated = 0;
  adapter.on("user", () => {
    if (++rows === USERS) tReplicated = performance.now() - t0;
  });
  adapter.watch(guids);
  const t0 = performance.now();
  const synced = new Promise<void>((resolve) => adapter.on("synchronized", resolve));
  adapter.start();
  await synced;
  const tSynced = performance.now() - t0;
  while (subscribed.size < USERS) await new Promise((r) => setTimeout(r, 5));
  const tAll = performance.now() - t0;

  const N = 2000;
  let t = performance.now();
  for (let i = 0; i < N; i++) await adapter.setPresence(guids[i % USERS], i % 2 ? "busy" : "", "");
  const seqPerSec = N / ((performance.now() - t) / 1000);

  t = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (next < N) {
        const i = next++;
        await adapter.setPresence(guids[i % USERS], i % 2 ? "dnd" : "", "");
      }
    }),
  );
  const parPerSec = N / ((performance.now() - t) / 1000);

  await adapter.stop();
  await sim.close();
  return [
    {
      area: "innovaphone",
      name: "connect → replicated + subscribed (5,000 users)",
      values: {
        ms: Math.round(tSynced),
        replicatedMs: Math.round(tReplicated),
        msUntilAllPresenceSeen: Math.round(tAll),
        users: USERS,
      },
      note: "login, ReplicateStart/Next ×5,001, 5,000 SubscribePresence, RCC Initialize; loopback simulator",
    },
    {
      area: "innovaphone",
      name: "SetPresence round trips",
      values: { sequentialPerSec: Math.round(seqPerSec), in32FlightPerSec: Math.round(parPerSec) },
      note: `${N} SetPresence each, every one also pushes a PresenceUpdate to the hub's own subscription`,
    },
  ];
}
