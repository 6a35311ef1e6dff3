// Presence that arrives out of order must not win, also when Graph leaves `sequenceNumber` out (the reference
// marks it unverified that Teams fills it; with it, the ledger orders by it): a read that was sent before a
// notification was processed answers with older presence than the notification brought; a notification
// another instance handed on may arrive after a newer one sent here directly (several instances behind a
// load balancer). Over real sockets with the Graph simulator: the read is held back (fault injection), the
// handed-on body is replayed.
import Fastify from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTeamsAdapter, type TeamsConnector } from "../../connectors/teams/adapter.js";
import type { GraphSimulator } from "../../connectors/teams/simulator/server.js";
import { teamsWebhookRoutes } from "../../connectors/teams/webhook.js";
import { seedUsers, signedInStore, sim, teamsConfig, until } from "./helpers.js";

describe("presence out of order", () => {
  let s: GraphSimulator;
  let adapter: TeamsConnector;
  const app = Fastify({ logger: false });
  let url = "";
  /** Bodies as they arrived, and whether the next one counts as handed on by another instance. */
  const bodies: unknown[] = [];
  let replaying = false;
  const seen: string[] = [];
  const last = (id: string) => seen.filter((x) => x.startsWith(`${id}:`)).at(-1);

  beforeAll(async () => {
    s = await sim({ users: seedUsers(3), withoutSequenceNumbers: true });
    await app.register(teamsWebhookRoutes, {
      handler: () => ({
        handleNotifications: (b: unknown, o?: { handedOn?: boolean }) => {
          if (!replaying) bodies.push(b);
          adapter.handleNotifications(b, o);
        },
        handleLifecycle: (b: unknown) => adapter.handleLifecycle(b),
        owns: (id: unknown, cs: unknown) => adapter.owns(id, cs),
      }),
      unrouted: { handedOn: () => replaying, forward: () => undefined },
    });
    await app.listen({ port: 0, host: "127.0.0.1" });
    url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
    adapter = createTeamsAdapter(
      teamsConfig(s, { notificationUrl: `${url}/graph/notify`, pollIntervalMs: 60_000 }),
      {
        tokenStore: await signedInStore(s),
      },
    );
    adapter.on("presence", (id, p) => seen.push(`${id}:${p.activity}`));
    adapter.start();
    adapter.watch(s.users().map((u) => u.id));
    await until(() => adapter.subscriptionSummary()?.coveredUsers === 3, 10_000, "subscription");
  });
  afterAll(async () => {
    await adapter.stop();
    await app.close();
    await s.close();
  });

  it("a read sent before a notification does not overwrite what the notification brought", async () => {
    await until(() => last("u00001") === "u00001:Available", 5000, "first read");
    s.clearLogs();
    // The read is answered from the state when it arrives (Available) but its answer is held back.
    s.addFault({ match: "POST /v1.0/communications/getPresencesByUserId", times: 1, delayResponseMs: 800 });
    const resync = adapter.resync("test");
    await until(() => s.requests().some((r) => r.path.includes("getPresencesByUserId")), 2000, "read sent");
    s.setClientPresence("u00001", { availability: "Busy", activity: "InACall" });
    await until(() => last("u00001") === "u00001:InACall", 5000, "notification");
    await resync;
    await new Promise((r) => setTimeout(r, 100));
    expect(last("u00001")).toBe("u00001:InACall");
  });

  it("a notification handed on late is confirmed by a read", async () => {
    bodies.length = 0;
    s.setClientPresence("u00002", { availability: "Busy", activity: "InAMeeting" });
    await until(() => last("u00002") === "u00002:InAMeeting" && bodies.length > 0, 5000, "meeting");
    const stale = bodies.at(-1);
    s.setClientPresence("u00002", { availability: "Available", activity: "Available" });
    await until(() => last("u00002") === "u00002:Available", 5000, "available");
    // The older body arrives now, handed on by another instance: it is taken for a moment, then read again.
    replaying = true;
    const r = await fetch(`${url}/graph/notify`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(stale),
    });
    expect(r.status).toBe(202);
    await until(() => last("u00002") === "u00002:InAMeeting", 3000, "stale body taken");
    await until(() => last("u00002") === "u00002:Available", 5000, "confirmed by a read");
    replaying = false;
  });
});
