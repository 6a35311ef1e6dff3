// The webhook plugin and subscriptions end to end over real sockets: validation handshake (and a wrong answer
// failing creation), clientState check, encrypted rich notifications (decrypt, tampered signature rejected,
// bad validationTokens), basic notifications falling back to batched reads, and simulator limits.
import Fastify from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTeamsAdapter, type TeamsConnector } from "../../connectors/teams/adapter.js";
import { resolveTeamsConfig } from "../../connectors/teams/config.js";
import { generateEncryptionCertificate, NotificationKeyring } from "../../connectors/teams/crypto.js";
import { createHttpTransport } from "../../connectors/teams/http.js";
import { encryptForSubscription } from "../../connectors/teams/simulator/deliveries.js";
import type { GraphSimulator } from "../../connectors/teams/simulator/server.js";
import {
  createAppTokenSource,
  type InMemoryTokenStore,
  type ServiceAccountToken,
} from "../../connectors/teams/tokens.js";
import { validationTokenOf } from "../../connectors/teams/webhook.js";
import type { TeamsPresence } from "../../engine/presence.js";
import { type Hub, hub, seedUsers, signedInStore, sim, teamsConfig, until } from "./helpers.js";

describe("validation handshake", () => {
  it("decodes the token including '+' for spaces", () => {
    expect(validationTokenOf("/graph/notify?validationToken=Validation%3A+Testing%20client")).toBe(
      "Validation: Testing client",
    );
    expect(validationTokenOf("/graph/notify")).toBeNull();
  });

  it("answers 200 text/plain with the decoded token", async () => {
    const h = await hub();
    const token =
      "Validation: Testing client application reachability for subscription Request-Id: 1&2<script>";
    const res = await fetch(`${h.url}/graph/notify?validationToken=${encodeURIComponent(token)}`, {
      method: "POST",
      headers: { "content-type": "text/plain; charset=utf-8" },
      body: "",
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
    expect(await res.text()).toBe(token);
    const life = await fetch(`${h.url}/graph/lifecycle?validationToken=abc`, { method: "POST" });
    expect(await life.text()).toBe("abc");
    // Answered before body parsing, whatever the content type says.
    const odd = await h.app.inject({
      method: "POST",
      url: "/graph/notify?validationToken=a+b",
      headers: { "content-type": "application/json" },
      payload: "",
    });
    expect([odd.statusCode, odd.body]).toEqual([200, "a b"]);
    await h.close();
  });
});

describe("subscriptions and notifications", () => {
  let s: GraphSimulator;
  let h: Hub;
  let adapter: TeamsConnector;
  const events: Array<[string, TeamsPresence]> = [];
  let store: InMemoryTokenStore;

  beforeAll(async () => {
    s = await sim({ users: seedUsers(20), plusForSpace: true });
    h = await hub();
    store = await signedInStore(s);
    adapter = createTeamsAdapter(
      teamsConfig(s, {
        notificationUrl: `${h.url}/graph/notify`,
        pollIntervalMs: 60_000,
        subscriptionLifetimeMs: 4000,
        subscriptionRenewBeforeMs: 2000,
        subscriptionCheckIntervalMs: 300,
      }),
      { tokenStore: store },
    );
    h.setHandler(adapter);
    adapter.on("presence", (id, p) => events.push([id, p]));
    const synced = new Promise<void>((r) => adapter.on("synchronized", () => r()));
    adapter.start();
    adapter.watch(s.users().map((u) => u.id));
    await synced;
    await until(() => adapter.subscriptionSummary()?.coveredUsers === 20, 10_000, "subscription");
  });
  afterAll(async () => {
    await adapter.stop();
    await h.close();
    await s.close();
  });

  it("created one encrypted subscription after a successful handshake (with '+' for spaces)", () => {
    const subs = s.subscriptions();
    expect(subs).toHaveLength(1);
    expect(subs[0]).toMatchObject({
      includeResourceData: true,
      userCount: 20,
      lifecycleNotificationUrl: `${h.url}/graph/lifecycle`,
    });
    expect(String(subs[0]!.clientState).length).toBeLessThanOrEqual(128);
    const validations = s.deliveries().filter((d) => d.kind === "validation");
    expect(validations.map((v) => v.ok)).toEqual([true, true]);
    expect(adapter.status().state).toBe("online");
  });

  it("delivers a change through an encrypted notification without a presence read", async () => {
    s.clearLogs();
    events.length = 0;
    s.setClientPresence("u00003", { availability: "Busy", activity: "InACall" });
    await until(() => events.length === 1, 5000, "notification");
    expect(events[0]).toEqual(["u00003", { availability: "Busy", activity: "InACall", outOfOffice: false }]);
    expect(s.requests().filter((r) => r.path.includes("getPresencesByUserId"))).toHaveLength(0);
    expect(s.deliveries().find((d) => d.kind === "notification")).toMatchObject({ status: 202, ok: true });
  });

  it("ignores a notification with a wrong clientState but still answers 202", async () => {
    const before = adapter.webhookStats();
    const sub = s.subscriptions()[0]!;
    const res = await fetch(`${h.url}/graph/notify`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        value: [
          {
            subscriptionId: sub.id,
            clientState: "forged",
            changeType: "updated",
            resource: "communications/presences/u00004",
            resourceData: { id: "u00004" },
          },
        ],
      }),
    });
    expect(res.status).toBe(202);
    await adapter.idle();
    await new Promise((r) => setTimeout(r, 150));
    expect(adapter.webhookStats().ignoredClientState).toBe(before.ignoredClientState + 1);
    expect(events.find(([id]) => id === "u00004")).toBeUndefined();
  });

  it("rejects a tampered dataSignature and an unknown certificate id", async () => {
    const sub = s.subscriptions()[0]!;
    const enc = encryptForSubscription(
      String(sub.encryptionCertificate),
      String(sub.encryptionCertificateId),
      {
        id: "u00005",
        availability: "DoNotDisturb",
        activity: "Presenting",
        sequenceNumber: "9999999999999999",
      },
    );
    const tampered = { ...enc, dataSignature: Buffer.alloc(32, 1).toString("base64") };
    const unknown = { ...enc, encryptionCertificateId: "someone-else" };
    const before = adapter.webhookStats();
    for (const encryptedContent of [tampered, unknown]) {
      const res = await fetch(`${h.url}/graph/notify`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          value: [
            {
              subscriptionId: sub.id,
              clientState: sub.clientState,
              changeType: "updated",
              tenantId: s.tenantId,
              resource: "communications/presences/u00005",
              resourceData: { id: "u00005" },
              encryptedContent,
            },
          ],
        }),
      });
      expect(res.status).toBe(202);
    }
    await adapter.idle();
    expect(adapter.webhookStats().decryptFailed).toBe(before.decryptFailed + 2);
    expect(events.find(([id]) => id === "u00005")).toBeUndefined();
  });

  it("drops rich notifications whose validationTokens do not verify", async () => {
    const sub = s.subscriptions()[0]!;
    const enc = encryptForSubscription(
      String(sub.encryptionCertificate),
      String(sub.encryptionCertificateId),
      { id: "u00006", availability: "Away", activity: "Away", sequenceNumber: "9999999999999999" },
    );
    const before = adapter.webhookStats();
    await fetch(`${h.url}/graph/notify`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        value: [
          {
            subscriptionId: sub.id,
            clientState: sub.clientState,
            changeType: "updated",
            tenantId: s.tenantId,
            resourceData: { id: "u00006" },
            encryptedContent: enc,
          },
        ],
        validationTokens: ["eyJhbGciOiJub25lIn0.eyJhdWQiOiJ4In0."],
      }),
    });
    await adapter.idle();
    expect(adapter.webhookStats().tokenRejected).toBe(before.tokenRejected + 1);
    expect(events.find(([id]) => id === "u00006")).toBeUndefined();
  });

  it("a lost subscription is noticed and recreated, and the gap is read back", async () => {
    const lost = String(s.subscriptions()[0]!.id);
    s.loseSubscription(lost);
    s.setClientPresence("u00007", { availability: "Away", activity: "Away" }); // nobody is told
    await until(
      () => s.subscriptions().length === 1 && s.subscriptions()[0]!.id !== lost,
      10_000,
      "recreated subscription",
    );
    await until(
      () => events.some(([id, p]) => id === "u00007" && p.activity === "Away"),
      5000,
      "resync of the gap",
    );
  });

  it("renews before expiry", async () => {
    const id = String(s.subscriptions()[0]!.id);
    const exp = Date.parse(String(s.subscriptions()[0]!.expirationDateTime));
    await until(() => Date.parse(String(s.subscriptions()[0]?.expirationDateTime)) > exp, 5000, "renewal");
    expect(s.subscriptions()[0]!.id).toBe(id);
  });

  it("lifecycle: missed → resync; subscriptionRemoved → recreate", async () => {
    s.clearLogs();
    const sub = s.subscriptions()[0]!;
    await s.lifecycle(String(sub.id), "missed");
    await until(() => s.requests().some((r) => r.path.includes("getPresencesByUserId")), 5000, "resync read");
    await s.lifecycle(String(sub.id), "subscriptionRemoved");
    await until(
      () => s.subscriptions().length === 1 && s.subscriptions()[0]!.id !== sub.id,
      10_000,
      "recreated",
    );
    await until(() => adapter.subscriptionSummary()?.coveredUsers === 20, 5000, "covered");
  });

  it("rotates the encryption certificate at the next renewal", async () => {
    const before = String(s.subscriptions()[0]!.encryptionCertificateId);
    await adapter.rotateEncryptionCertificate();
    await until(
      () => String(s.subscriptions()[0]?.encryptionCertificateId) !== before,
      5000,
      "certificate switched",
    );
    events.length = 0;
    s.setClientPresence("u00009", { availability: "Busy", activity: "InAConferenceCall" });
    await until(
      () => events.some(([id, p]) => id === "u00009" && p.activity === "InAConferenceCall"),
      5000,
      "decrypted with the new key",
    );
  });

  it("reauthorizationRequired pauses deliveries until the hub renews", async () => {
    events.length = 0;
    const sub = s.subscriptions()[0]!;
    await s.lifecycle(String(sub.id), "reauthorizationRequired");
    s.setClientPresence("u00008", { availability: "DoNotDisturb", activity: "Presenting" });
    await until(() => events.some(([id]) => id === "u00008"), 5000, "held notification after renewal");
    expect(s.requests().some((r) => r.method === "PATCH" && r.path.startsWith("/v1.0/subscriptions/"))).toBe(
      true,
    );
  });
});

describe("subscription creation", () => {
  let s: GraphSimulator;
  beforeAll(async () => {
    s = await sim({ users: seedUsers(3) });
  });
  afterAll(async () => {
    await s.close();
  });

  it("fails with 400 when the endpoint answers the validation wrongly, and the hub keeps polling", async () => {
    const bad = Fastify();
    bad.post("/graph/notify", async (req, reply) =>
      reply.type("text/html").send(new URL(req.url, "http://x").searchParams.get("validationToken")),
    );
    bad.post("/graph/lifecycle", async (_req, reply) => reply.type("text/plain").send("wrong"));
    await bad.listen({ port: 0, host: "127.0.0.1" });
    const port = (bad.server.address() as { port: number }).port;
    const store = await signedInStore(s);
    const adapter = createTeamsAdapter(
      teamsConfig(s, { notificationUrl: `http://127.0.0.1:${port}/graph/notify`, baseBackoffMs: 5000 }),
      { tokenStore: store },
    );
    const seen: string[] = [];
    adapter.on("presence", (id) => seen.push(id));
    adapter.start();
    adapter.watch(["u00000"]);
    await until(
      () => s.requests().some((r) => r.path === "/v1.0/subscriptions" && r.method === "POST"),
      5000,
      "create attempt",
    );
    expect(
      s.requests().filter((r) => r.path === "/v1.0/subscriptions" && r.method === "POST")[0]!.status,
    ).toBe(400);
    expect(s.subscriptions()).toHaveLength(0);
    await until(() => adapter.subscriptionSummary()?.errors.length === 1, 5000, "error in summary");
    expect(adapter.subscriptionSummary()!.errors[0]).toMatch(/validation request failed/);
    // Uncovered users are polled.
    s.setClientPresence("u00000", { availability: "Busy", activity: "InACall" });
    await until(() => seen.length >= 2, 5000, "polled change");
    await adapter.stop();
    await bad.close();
  });

  it("enforces Graph's limits: 651 ids, 60 minutes, app-only token, one per user", async () => {
    const cfg = resolveTeamsConfig(teamsConfig(s));
    const t = createHttpTransport({ caPem: cfg.caPem });
    const h = await hub();
    const post = async (token: string, body: Record<string, unknown>) => {
      const r = await t.request({
        method: "POST",
        url: `${s.url}/v1.0/subscriptions`,
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      return { status: r.status, body: JSON.parse(r.body) };
    };
    const ids = (n: number) => Array.from({ length: n }, (_, i) => `'id${i}'`).join(",");
    const base = {
      changeType: "updated",
      notificationUrl: `${h.url}/graph/notify`,
      clientState: "x",
      expirationDateTime: new Date(Date.now() + 30 * 60_000).toISOString(),
    };
    const app = await createAppTokenSource(cfg, t).getToken();
    expect(
      (await post(app, { ...base, resource: `/communications/presences?$filter=id in (${ids(2)})` })).status,
    ).toBe(403);
    const store = await signedInStore(s);
    const acc = (await store.load())[0] as ServiceAccountToken;
    const { ServiceAccountTokenSource } = await import("../../connectors/teams/tokens.js");
    const user = await new ServiceAccountTokenSource(cfg, t, acc, store).getToken();
    expect(
      (await post(user, { ...base, resource: `/communications/presences?$filter=id in (${ids(651)})` }))
        .status,
    ).toBe(400);
    const tooLong = await post(user, {
      ...base,
      resource: "/communications/presences/a",
      expirationDateTime: new Date(Date.now() + 61 * 60_000 + 120_000).toISOString(),
    });
    expect(tooLong).toMatchObject({ status: 400, body: { error: { code: "ExtensionError" } } });
    expect(
      (await post(user, { ...base, resource: `/communications/presences?$filter=id in (${ids(650)})` }))
        .status,
    ).toBe(201);
    expect(
      (await post(user, { ...base, resource: `/communications/presences?$filter=id in (${ids(650)})` }))
        .status,
    ).toBe(409);
    expect((await post(user, { ...base, resource: "/communications/presences/other" })).status).toBe(403);
    const rich = await post(user, {
      ...base,
      resource: "/communications/presences/z",
      includeResourceData: true,
    });
    expect(rich.status).toBe(400);
    t.close();
    await h.close();
  });

  it("keyring decrypts items for an older certificate during rotation", async () => {
    const ring = new NotificationKeyring();
    const old = await generateEncryptionCertificate();
    ring.add(old);
    ring.add(await generateEncryptionCertificate());
    const enc = encryptForSubscription(old.certificateBase64, old.id, {
      id: "x",
      availability: "Busy",
      activity: "InACall",
    });
    expect(ring.decrypt(enc as never)).toMatchObject({ availability: "Busy" });
  });
});
