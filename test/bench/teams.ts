// Benchmark of the Teams webhook: how many encrypted rich notifications per second the hub's webhook
// acknowledges and decrypts (RSA-OAEP key unwrap + HMAC check + AES-CBC per item), measured over real
// sockets against a bare fastify instance with the webhook plugin and a running adapter; plus the end-to-end
// rate from simulator change to adapter event. Not a timed test: numbers depend on the machine.
import { createHttpTransport } from "../../connectors/teams/http.js";
import { createTeamsAdapter } from "../../connectors/teams/adapter.js";
import { encryptForSubscription } from "../../connectors/teams/simulator/deliveries.js";
import { hub, seedUsers, signedInStore, sim, teamsConfig } from "../teams/helpers.js";
import type { BenchResult } from "./types.js";

export async function run(): Promise<BenchResult[]> {
  const users = 650;
  const s = await sim({ users: seedUsers(users), batchSize: 100 });
  const h = await hub();
  const store = await signedInStore(s, 1);
  const adapter = createTeamsAdapter(
    teamsConfig(s, { notificationUrl: `${h.url}/graph/notify`, pollIntervalMs: 600_000 }),
    { tokenStore: store },
  );
  h.setHandler(adapter);
  const synced = new Promise<void>((r) => adapter.on("synchronized", () => r()));
  adapter.start();
  adapter.watch(s.users().map((u) => u.id));
  await synced;
  while ((adapter.subscriptionSummary()?.coveredUsers ?? 0) < users)
    await new Promise((r) => setTimeout(r, 20));
  const sub = s.subscriptions()[0]!;
  const results: BenchResult[] = [];

  // 1. Webhook only: pre-encrypted bodies of 100 items, 4 POSTs in flight.
  const bodies = 60;
  const perBody = 100;
  const payloads: string[] = [];
  for (let b = 0; b < bodies; b++) {
    const value = [];
    for (let i = 0; i < perBody; i++) {
      const id = `u${String((b * perBody + i) % users).padStart(5, "0")}`;
      value.push({
        subscriptionId: sub.id,
        clientState: sub.clientState,
        changeType: "updated",
        tenantId: s.tenantId,
        resource: `communications/presences/${id}`,
        resourceData: { id },
        encryptedContent: encryptForSubscription(
          String(sub.encryptionCertificate),
          String(sub.encryptionCertificateId),
          {
            id,
            availability: i % 2 ? "Busy" : "Available",
            activity: i % 2 ? "InACall" : "Available",
            // No sequenceNumber: these synthetic items must not order the simulator's own changes of
            // part 2 (sequence numbers are compared by value, and a synthetic 1e12 would outrank them).
          },
        ),
      });
    }
    payloads.push(JSON.stringify({ value }));
  }
  const t = createHttpTransport({ maxSockets: 4 });
  const before = adapter.webhookStats().accepted;
  const acks: number[] = [];
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < payloads.length) {
        const body = payloads[next++]!;
        const a = performance.now();
        await t.request({
          method: "POST",
          url: `${h.url}/graph/notify`,
          headers: { "content-type": "application/json" },
          body,
        });
        acks.push(performance.now() - a);
      }
    }),
  );
  const ackDone = performance.now();
  await adapter.idle();
  const done = performance.now();
  const items = adapter.webhookStats().accepted - before;
  acks.sort((a, b) => a - b);
  results.push({
    area: "teams",
    name: "webhook: encrypted notifications acknowledged + decrypted",
    values: {
      itemsPerSec: Math.round((items / (done - t0)) * 1000),
      ackItemsPerSec: Math.round(((bodies * perBody) / (ackDone - t0)) * 1000),
      ackP50Ms: Number(acks[Math.floor(acks.length / 2)]!.toFixed(2)),
      ackP99Ms: Number(acks[Math.floor(acks.length * 0.99)]!.toFixed(2)),
      items,
    },
    note: `${bodies} POSTs × ${perBody} RSA-2048 items, 4 in flight, plain HTTP loopback`,
  });

  // 2. End to end: simulator presence change → encrypted delivery → adapter event.
  let events = 0;
  adapter.on("presence", () => {
    events++;
  });
  const ids = s.users().map((u) => u.id);
  const e0 = performance.now();
  for (const [i, id] of ids.entries())
    s.setClientPresence(
      id,
      i % 2
        ? { availability: "Away", activity: "Away" }
        : { availability: "DoNotDisturb", activity: "Presenting" },
    );
  while (events < ids.length && performance.now() - e0 < 30_000) await new Promise((r) => setTimeout(r, 5));
  const e1 = performance.now();
  results.push({
    area: "teams",
    name: "end to end: simulator change → adapter presence event",
    values: { eventsPerSec: Math.round((events / (e1 - e0)) * 1000), events, ms: Math.round(e1 - e0) },
    note: "includes the simulator's own encryption and validationToken signing",
  });

  t.close();
  await adapter.stop();
  await h.close();
  await s.close();
  return results;
}
