// Anonymous log flood through the webhook (issue 12, item 3): anyone can POST to /graph/notify, so a 1 MiB
// body of empty items must cost one summary log line, not one line per item; repeated bad bodies are
// rate-limited; a non-object item (null, a number) is counted and skipped without aborting its batch.
// The root logger is configured before the adapter is loaded, so every line the connector writes is captured.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configureRootLogger } from "../../common/log.js";
import type { TeamsConnector } from "../../connectors/teams/adapter.js";
import { encryptForSubscription } from "../../connectors/teams/simulator/deliveries.js";
import type { GraphSimulator } from "../../connectors/teams/simulator/server.js";
import { BodyReport, SummaryLimiter } from "../../connectors/teams/webhook-report.js";
import type { TeamsPresence } from "../../engine/presence.js";
import { type Hub, hub, seedUsers, signedInStore, sim, teamsConfig, until } from "./helpers.js";

const lines: string[] = [];
configureRootLogger({ level: "info" }, { write: (l: string) => void lines.push(l) } as never);

const post = (url: string, body: string) =>
  fetch(`${url}/graph/notify`, { method: "POST", headers: { "content-type": "application/json" }, body });

describe("webhook log flood", () => {
  let s: GraphSimulator;
  let h: Hub;
  let adapter: TeamsConnector;
  const events: Array<[string, TeamsPresence]> = [];
  /** Every webhook body handed to the adapter so far is processed. */
  const processed = async () => {
    await new Promise((r) => setTimeout(r, 50));
    await adapter.idle();
  };

  beforeAll(async () => {
    // Loaded after configureRootLogger: the connector's loggers write into `lines`.
    const { createTeamsAdapter } = await import("../../connectors/teams/adapter.js");
    s = await sim({ users: seedUsers(3) });
    h = await hub();
    adapter = createTeamsAdapter(
      teamsConfig(s, { notificationUrl: `${h.url}/graph/notify`, pollIntervalMs: 60_000 }),
      { tokenStore: await signedInStore(s) },
    );
    h.setHandler(adapter);
    adapter.on("presence", (id, p) => events.push([id, p]));
    adapter.start();
    adapter.watch(s.users().map((u) => u.id));
    await until(() => adapter.subscriptionSummary()?.coveredUsers === 3, 10_000, "subscription");
  });
  afterAll(async () => {
    await adapter.stop();
    await h.close();
    await s.close();
    configureRootLogger({ level: "silent" });
  });

  it("a 1 MiB body of empty items writes one summary line; more bad bodies within 10 s write none", async () => {
    const n = Math.floor((1024 * 1024 - 16) / 3);
    const body = `{"value":[${"{},".repeat(n)}{}]}`;
    expect(body.length).toBeLessThanOrEqual(1024 * 1024);
    const before = lines.length;
    const statsBefore = adapter.webhookStats();
    expect((await post(h.url, body)).status).toBe(202);
    await processed();
    const flood = lines.slice(before);
    expect(flood).toHaveLength(1);
    const summary = JSON.parse(flood[0]!) as Record<string, unknown>;
    expect(summary).toMatchObject({ level: 40, items: n + 1, accepted: 0 });
    expect(summary.ignored).toEqual({ "unknown subscription or wrong clientState": n + 1 });
    expect((summary.samples as unknown[]).length).toBeLessThanOrEqual(3);
    expect(adapter.webhookStats().ignoredClientState).toBe(statsBefore.ignoredClientState + n + 1);

    for (let i = 0; i < 5; i++) expect((await post(h.url, '{"value":[{},{},{}]}')).status).toBe(202);
    await processed();
    expect(lines.slice(before)).toHaveLength(1);
  });

  it("a null item does not abort its batch: the valid item after it is delivered", async () => {
    const sub = s.subscriptions()[0]!;
    const enc = encryptForSubscription(String(sub.encryptionCertificate), String(sub.encryptionCertificateId), {
      id: "u00001",
      availability: "DoNotDisturb",
      activity: "Presenting",
      sequenceNumber: "9999999999999999",
    });
    const valid = {
      subscriptionId: sub.id,
      clientState: sub.clientState,
      changeType: "updated",
      tenantId: s.tenantId,
      resource: "communications/presences/u00001",
      resourceData: { id: "u00001" },
      encryptedContent: enc,
    };
    const before = lines.length;
    expect((await post(h.url, JSON.stringify({ value: [null, 42, "x", valid] }))).status).toBe(202);
    await processed();
    await until(() => events.some(([id, p]) => id === "u00001" && p.activity === "Presenting"), 5000, "valid item");
    const summaries = lines.slice(before).filter((l) => l.includes('"ignored"'));
    expect(summaries).toHaveLength(1);
    expect(JSON.parse(summaries[0]!)).toMatchObject({ items: 4, accepted: 1, ignored: { "not an object": 3 } });
  });
});

describe("summary rate limit", () => {
  const capture = () => {
    const out: Array<{ fields: Record<string, unknown>; msg: string }> = [];
    const log = { warn: (fields: Record<string, unknown>, msg: string) => out.push({ fields, msg }) };
    return { out, log: log as never };
  };
  const body = (reason: "not an object" | "decryption failed", items: number, detail?: unknown) => {
    const r = new BodyReport();
    for (let i = 0; i < items; i++) {
      r.items++;
      r.ignore(reason, detail);
    }
    return r;
  };

  it("one line per reason per interval; held bodies come out as one 'suppressed' line when it ends", async () => {
    const { out, log } = capture();
    const limiter = new SummaryLimiter(log, 150);
    expect(limiter.report(body("not an object", 2), "x")).toBe(true);
    expect(limiter.report(body("not an object", 3), "x")).toBe(false);
    expect(limiter.report(body("not an object", 4), "x")).toBe(false);
    // another reason has its own window
    expect(limiter.report(body("decryption failed", 1), "x")).toBe(true);
    expect(out).toHaveLength(2);
    await new Promise((r) => setTimeout(r, 250));
    expect(out).toHaveLength(3);
    expect(out[2]!.fields).toEqual({ suppressed: { "not an object": { bodies: 2, items: 7 } } });
    // the flush line started a new window: a body right after it is held again
    expect(limiter.report(body("not an object", 1), "x")).toBe(false);
    limiter.close();
  });

  it("samples are few and short, whatever the items carry", () => {
    const { out, log } = capture();
    const limiter = new SummaryLimiter(log, 10_000);
    limiter.report(body("not an object", 50, "y".repeat(100_000)), "x");
    const samples = out[0]!.fields.samples as Array<{ detail: string }>;
    expect(samples).toHaveLength(3);
    for (const s of samples) expect(s.detail.length).toBeLessThanOrEqual(121);
    expect(out[0]!.fields).toMatchObject({ items: 50, ignored: { "not an object": 50 } });
  });
});
