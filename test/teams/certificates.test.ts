// The notification encryption certificate is kept across restarts (a CertificateStore; the hub's is its
// encrypted secrets) instead of a new key pair per start, and rotated before it expires: at start and at a
// periodic check, when less than certificateRotateBeforeMs is left. Subscriptions switch at their next
// renewal; items encrypted for the previous certificate (in flight at the switch) still decrypt.
import { afterEach, describe, expect, it } from "vitest";
import { createTeamsAdapter, type TeamsConnector } from "../../connectors/teams/adapter.js";
import { CertificateManager, InMemoryCertificateStore } from "../../connectors/teams/certificates.js";
import type { TeamsConfig } from "../../connectors/teams/config.js";
import { generateEncryptionCertificate, NotificationKeyring } from "../../connectors/teams/crypto.js";
import { encryptForSubscription } from "../../connectors/teams/simulator/deliveries.js";
import type { GraphSimulator } from "../../connectors/teams/simulator/server.js";
import type { InMemoryTokenStore } from "../../connectors/teams/tokens.js";
import type { TeamsPresence } from "../../engine/presence.js";
import { type Hub, hub, seedUsers, signedInStore, sim, teamsConfig, until } from "./helpers.js";

const DAY = 24 * 3600_000;

describe("notification certificate across restarts and its rotation", () => {
  let s: GraphSimulator | undefined;
  let h: Hub | undefined;
  const adapters: TeamsConnector[] = [];
  const events: Array<[string, TeamsPresence]> = [];
  let tokens: InMemoryTokenStore;

  afterEach(async () => {
    for (const a of adapters.splice(0)) await a.stop();
    await h?.close();
    await s?.close();
    events.length = 0;
  });

  async function world(): Promise<void> {
    s = await sim({ users: seedUsers(3) });
    h = await hub();
    tokens = await signedInStore(s);
  }

  async function startAdapter(certificateStore: InMemoryCertificateStore, extra: Partial<TeamsConfig> = {}) {
    const a = createTeamsAdapter(
      teamsConfig(s!, { notificationUrl: `${h!.url}/graph/notify`, pollIntervalMs: 60_000, ...extra }),
      { tokenStore: tokens, certificateStore },
    );
    adapters.push(a);
    h!.setHandler(a);
    a.on("presence", (id, p) => events.push([id, p]));
    a.watch(s!.users().map((u) => u.id));
    a.start();
    await until(() => a.subscriptionSummary()?.coveredUsers === 3, 10_000, "subscription");
    return a;
  }

  const subCert = () => String(s!.subscriptions()[0]?.encryptionCertificateId);

  /** An item encrypted for `cert` (e.g. one Graph sent just before the switch), posted to the webhook. */
  async function postEncryptedFor(cert: { certificateBase64: string; id: string }, userId: string, activity: string) {
    const sub = s!.subscriptions()[0]!;
    const res = await fetch(`${h!.url}/graph/notify`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        value: [
          {
            subscriptionId: sub.id,
            clientState: sub.clientState,
            changeType: "updated",
            tenantId: s!.tenantId,
            resource: `communications/presences/${userId}`,
            resourceData: { id: userId },
            encryptedContent: encryptForSubscription(cert.certificateBase64, cert.id, {
              id: userId,
              availability: "Busy",
              activity,
              sequenceNumber: "9999999999999999",
            }),
          },
        ],
        validationTokens: [await s!.mintValidationToken()],
      }),
    });
    expect(res.status).toBe(202);
  }

  it("a restarted adapter subscribes with the same certificate", async () => {
    await world();
    const store = new InMemoryCertificateStore();
    const first = await startAdapter(store);
    const id = subCert();
    expect(id).toMatch(/^hub-/);
    await first.stop();
    await startAdapter(store);
    expect(subCert()).toBe(id);
    expect((await store.load()).map((c) => c.id)).toEqual([id]);
  });

  it("an almost expired stored certificate is replaced at start; items for it still decrypt", async () => {
    await world();
    const old = await generateEncryptionCertificate(10); // 10 days left < 30
    const store = new InMemoryCertificateStore([old]);
    const a = await startAdapter(store);
    const current = subCert();
    expect(current).not.toBe(old.id);
    expect((await store.load()).map((c) => c.id)).toEqual([current, old.id]);
    await postEncryptedFor(old, "u00001", "InACall");
    await until(() => events.some(([id, p]) => id === "u00001" && p.activity === "InACall"), 5000, "old-key item");
    expect(a.webhookStats().decryptFailed).toBe(0);
  });

  it("the periodic check rotates a certificate that runs short; subscriptions switch at their next renewal", async () => {
    await world();
    // 1 day + 4 s left with certificateRotateBeforeMs = 1 day: kept at start, due a few seconds later.
    const old = await generateEncryptionCertificate(1 + 4000 / DAY);
    const store = new InMemoryCertificateStore([old]);
    const a = await startAdapter(store, { certificateRotateBeforeMs: DAY, certificateCheckIntervalMs: 250 });
    expect(subCert()).toBe(old.id);
    await until(async () => (await store.load())[0]?.id !== old.id, 10_000, "rotation");
    const next = (await store.load())[0]!;
    expect((await store.load()).map((c) => c.id)).toEqual([next.id, old.id]);
    // Until its renewal the subscription still encrypts for the old certificate: that must keep working.
    expect(subCert()).toBe(old.id);
    s!.setClientPresence("u00000", { availability: "Busy", activity: "InACall" });
    await until(() => events.some(([id, p]) => id === "u00000" && p.activity === "InACall"), 5000, "old-key delivery");
    // The renewal (here forced by a reauthorization challenge) switches the subscription to the new one.
    await s!.lifecycle(String(s!.subscriptions()[0]!.id), "reauthorizationRequired");
    await until(() => subCert() === next.id, 5000, "subscription switched");
    s!.setClientPresence("u00002", { availability: "Busy", activity: "InAConferenceCall" });
    await until(() => events.some(([id, p]) => id === "u00002" && p.activity === "InAConferenceCall"), 5000, "new-key delivery");
    expect(a.webhookStats().decryptFailed).toBe(0);
  });
});

describe("CertificateManager", () => {
  const policy = { rotateBeforeMs: 30 * DAY, lifetimeDays: 365, checkIntervalMs: 0 };
  const capture = () => {
    const lines: string[] = [];
    const put = (fields: unknown, msg?: string) => lines.push(JSON.stringify({ fields, msg }));
    return { lines, log: { info: put, warn: put } as never };
  };

  it("drops a stored entry that is not a certificate, generates a new one, and logs no key", async () => {
    const good = await generateEncryptionCertificate(300);
    const store = new InMemoryCertificateStore([{ ...good, id: "broken", certificateBase64: "bm90IGEgY2VydA==" }]);
    const { lines, log } = capture();
    const m = new CertificateManager(new NotificationKeyring(), store, policy, log);
    const cur = await m.ensure();
    expect(cur.id).not.toBe("broken");
    expect((await store.load()).map((c) => c.id)).toEqual([cur.id]);
    expect(lines.join("\n")).toContain("broken");
    expect(lines.join("\n")).not.toContain("PRIVATE KEY");
  });

  it("keeps a stored certificate with enough time left, and the previous one behind it", async () => {
    const current = await generateEncryptionCertificate(200);
    const previous = await generateEncryptionCertificate(100);
    const store = new InMemoryCertificateStore([current, previous]);
    const ring = new NotificationKeyring();
    const m = new CertificateManager(ring, store, policy, capture().log);
    expect((await m.ensure()).id).toBe(current.id);
    expect(ring.list().map((c) => c.id)).toEqual([current.id, previous.id]);
    // A manual rotation keeps two: the new one and the one it replaced.
    const next = await m.rotateNow();
    expect((await store.load()).map((c) => c.id)).toEqual([next.id, current.id]);
  });
});
