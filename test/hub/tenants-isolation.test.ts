// Tenant isolation over real sockets (issue 10): two customers, Contoso and Fabrikam, each with its own
// Graph simulator and PBX simulator and overlapping people (tenant-world.ts), onboarded through the hub's
// facade as an admin would, the service accounts signed in through the real redirect and Graph posting
// live notifications to the hub's one webhook. Each test says how it would fail on a hub without tenants
// (one Microsoft 365 connection, one directory, one sync core for every connector).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PbxSimulator } from "../../connectors/innovaphone/simulator/server.js";
import { encryptForSubscription } from "../../connectors/teams/simulator/deliveries.js";
import type { GraphSimulator } from "../../connectors/teams/simulator/server.js";
import { openSqliteStore } from "../../server/store/sqlite.js";
import type { EndpointView, Hub } from "../../server/hub/types.js";
import { until } from "../sync/fakes.js";
import { graphSimSettings, pbxSimConfig } from "./sim-settings.js";
import { type Customer, signInServiceAccount, startTenantWorld, teamsAdapter, type TenantWorld } from "./tenant-world.js";

let world: TenantWorld;
let hub: Hub;
let a: Customer;
let b: Customer;

const INACALL = { availability: "Busy", activity: "InACall" };
const AVAILABLE = { availability: "Available", activity: "Available" };

function dial(pbx: PbxSimulator, key: string): string {
  const r = pbx.dial(key, { ring: false });
  return r.result === "forwarded" ? `forwarded to ${r.destination}` : r.result;
}

/** What the hub holds on a PBX user: its presence slot and the CFB entries. */
function hubSlot(pbx: PbxSimulator, key: string): unknown[] {
  const presence = pbx.user(key).presence as { contact?: string; activity?: string }[];
  return presence.filter((p) => p.contact === "presence-hub:" && p.activity);
}
function cfbs(pbx: PbxSimulator, key: string): unknown[] {
  return (pbx.user(key).cds as { type: string }[]).filter((c) => c.type === "cfb");
}
const anyHubSlot = (pbx: PbxSimulator) => pbx.users().some((u) => hubSlot(pbx, String(u.h323)).length > 0);

function shows(graph: GraphSimulator, id: string): string {
  const p = graph.presence(id);
  return p ? `${p.availability}/${p.activity}` : "?";
}

/** Graph requests of one kind since `mark` (an index into the simulator's request log). */
function requestsSince(graph: GraphSimulator, mark: number, re: RegExp): string[] {
  return graph
    .requests()
    .slice(mark)
    .map((r) => `${r.method} ${r.path} ${r.status}`)
    .filter((s) => re.test(s));
}

function endpoints(tenant: string): EndpointView[] {
  return hub.endpoints.list({ tenant, limit: 500 }).items;
}
function endpoint(tenant: string, email: string): EndpointView {
  const e = endpoints(tenant).find((x) => x.email.toLowerCase() === email);
  if (!e) throw new Error(`${tenant}: no endpoint ${email}`);
  return e;
}

/** Sum of a metric's samples whose labels include `labels` (Prometheus text format). */
function metricSum(text: string, name: string, labels: Record<string, string>): number {
  let sum = 0;
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${name}{`)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) sum += Number(line.split(" ").pop());
  }
  return sum;
}

/** Holds for the whole period (something that must not happen, given time to happen). */
async function never(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) throw new Error(`unexpected: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Waits until `sample` stays the same for a second (webhook deliveries of earlier steps processed). */
async function settled(sample: () => unknown, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  let last = JSON.stringify(sample());
  let since = Date.now();
  while (Date.now() - since < 1000) {
    if (Date.now() > end) throw new Error("webhook traffic did not settle");
    await new Promise((r) => setTimeout(r, 100));
    const now = JSON.stringify(sample());
    if (now !== last) {
      last = now;
      since = Date.now();
    }
  }
}

/** The customer's live subscription in its Graph simulator (id and clientState, as Graph stores them). */
function subscription(c: Customer): { id: string; clientState: string } {
  const s = c.graph.subscriptions()[0] as { id: string; clientState: string } | undefined;
  if (!s) throw new Error(`${c.name}: no subscription`);
  return s;
}

async function postNotification(items: object[]): Promise<number> {
  const res = await fetch(`${world.running.url}/graph/notify`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ value: items }),
  });
  return res.status;
}

function basicItem(sub: { id: string }, clientState: string, c: Customer, userId: string): object {
  return {
    subscriptionId: sub.id,
    clientState,
    changeType: "updated",
    resource: `communications/presences/${userId}`,
    resourceData: { "@odata.type": "#Microsoft.Graph.presence", id: userId },
    tenantId: c.graph.tenantId,
  };
}

beforeAll(async () => {
  world = await startTenantWorld();
  ({ hub, a, b } = world);
}, 60_000);

afterAll(async () => {
  await world?.close();
});

describe("tenants: two customers on one hub", () => {
  it("an admin onboards both customers; endpoints match within their own tenant only", async () => {
    for (const c of [a, b]) {
      const t = await hub.tenants.create({ name: c.name });
      c.tenant = t.id;
      await hub.teamsOf(c.tenant).save(
        graphSimSettings(c.graph, { webhookBaseUrl: world.running.url, pollIntervalSeconds: 30 }),
      );
      await until(() => hub.teamsOf(c.tenant).get().status.state === "online", 15_000, `${c.name} M365 online`);
      const back = await signInServiceAccount(hub, world.running.url, c.tenant);
      expect(back).toContain(`tenant=${c.tenant}&`);
      expect(back).toContain(encodeURIComponent(`ok:presence-svc@${c.domain}`));
      const conn = await hub.connectors.create({
        tenant: c.tenant,
        type: "innovaphone-dnd",
        name: `${c.name} PBX`,
        config: pbxSimConfig(c.pbx, c.app, { defaultDestination: "299" }),
      });
      expect(conn.tenant).toBe(c.tenant);
      await until(() => hub.connectors.get(conn.id).status.state === "online", 15_000, `${c.name} PBX online`);
    }
    expect([a.tenant, b.tenant]).toEqual(["contoso", "fabrikam"]);
    await until(() => hub.endpoints.list({ tenant: a.tenant, matched: true }).total === 3, 15_000, "Contoso matched");
    await until(() => hub.endpoints.list({ tenant: b.tenant, matched: true }).total === 3, 15_000, "Fabrikam matched");

    const idsA = new Set(Object.values(a.ids));
    const idsB = new Set(Object.values(b.ids));
    for (const e of endpoints(a.tenant)) expect(idsA.has(e.teamsUserId ?? "")).toBe(true);
    for (const e of endpoints(b.tenant).filter((x) => x.teamsUserId)) expect(idsB.has(e.teamsUserId!)).toBe(true);
    // Same display name and extension, same local part: each Alice is her own tenant's.
    expect(endpoint(a.tenant, "alice@contoso.example")).toMatchObject({ displayName: "Alice Adams", teamsUserId: a.ids.alice });
    expect(endpoint(b.tenant, "alice@fabrikam.example")).toMatchObject({ displayName: "Alice Adams", teamsUserId: b.ids.alice });
    // The partner's address is in both directories: one hub-wide directory would find two Teams users for
    // it (ambiguous, unmatched on both PBXs) or link both PBX users to one of them.
    const samA = endpoint(a.tenant, "sam@partner.example");
    const samB = endpoint(b.tenant, "sam@partner.example");
    expect(samA.teamsUserId).toBe(a.ids.sam);
    expect(samB.teamsUserId).toBe(b.ids.sam);
    expect([...samA.warnings, ...samB.warnings].map((w) => w.code)).not.toContain("AMBIGUOUS_MATCH");
    // Dana's address exists only in Contoso's directory: one hub-wide directory would link Fabrikam's PBX
    // user to Contoso's Dana (and a Fabrikam call would then set presence in Contoso's Teams).
    const dana = endpoint(b.tenant, "dana@contoso.example");
    expect(dana.teamsUserId).toBeNull();
    expect(dana.warnings.map((w) => w.code)).toContain("NO_TEAMS_USER");
    // Manual mapping offers only the tenant's own directory.
    expect(hub.teamsOf(b.tenant).users({ search: "dana" }).total).toBe(0);
    expect(hub.teamsOf(a.tenant).users({ search: "dana" }).total).toBe(1);
    expect(hub.teamsOf(b.tenant).users({ limit: 100 }).items.every((u) => idsB.has(u.id))).toBe(true);
    // A re-match changes nothing.
    expect((await hub.endpoints.rematch()).changed).toBe(0);
    expect(hub.tenants.get(b.tenant).counts).toMatchObject({ connectors: 1, connectorsOnline: 1, endpoints: 4, matchedEndpoints: 3 });
  }, 90_000);

  it("a Teams call in Contoso diverts only on Contoso's PBX; Fabrikam's PBX is untouched", async () => {
    // Sam is on both PBXs with the same address: a hub with one directory would map both to one Teams
    // user, and his Contoso Teams call would divert his Fabrikam extension too.
    a.graph.setClientPresence(a.ids.sam, INACALL);
    a.graph.setClientPresence(a.ids.alice, INACALL);
    await until(() => dial(a.pbx, "sam") === "forwarded to 299", 10_000, "Contoso's Sam diverted");
    await until(() => dial(a.pbx, "alice") === "forwarded to 199", 10_000, "Contoso's Alice diverted");
    expect(hubSlot(a.pbx, "sam")).toHaveLength(1);
    await never(
      () => anyHubSlot(b.pbx) || dial(b.pbx, "sam") !== "rings" || dial(b.pbx, "alice") !== "rings",
      1500,
      "Fabrikam's PBX changed by a Contoso Teams call",
    );
    for (const e of endpoints(b.tenant)) expect(e.hub.pbx.desired?.cfb ?? "leave").toBe("leave");
    a.graph.setClientPresence(a.ids.sam, AVAILABLE);
    a.graph.setClientPresence(a.ids.alice, AVAILABLE);
    await until(() => dial(a.pbx, "sam") === "rings" && dial(a.pbx, "alice") === "rings", 10_000, "Contoso rings again");
  }, 30_000);

  it("a PBX call on Fabrikam's PBX sets presence only in Fabrikam's Graph", async () => {
    const markA = a.graph.requests().length;
    const teamsWrites = async (tenant: string) =>
      metricSum(await hub.metrics.metrics(), "presence_hub_writes_total", { tenant, side: "teams" });
    const [writesA, writesB] = [await teamsWrites(a.tenant), await teamsWrites(b.tenant)];
    const call = b.pbx.startCall("sam");
    b.pbx.answerCall(call);
    await until(() => shows(b.graph, b.ids.sam) === "DoNotDisturb/Presenting", 10_000, "Fabrikam's Sam DND in Teams");
    // Contoso's Graph sees no presence write at all (a shared directory would have written Sam's there).
    await never(() => requestsSince(a.graph, markA, /setPresence/).length > 0, 1000, "a setPresence in Contoso's Graph");
    expect(shows(a.graph, a.ids.sam)).toBe("Available/Available");
    b.pbx.endCall(call);
    await until(() => shows(b.graph, b.ids.sam) === "Available/Available", 10_000, "Fabrikam's Sam available");
    expect(requestsSince(a.graph, markA, /presence/i)).toEqual([]);
    // The metrics count the writes for the tenant that made them.
    expect(await teamsWrites(b.tenant)).toBeGreaterThan(writesB);
    expect(await teamsWrites(a.tenant)).toBe(writesA);
    // So do the events: Fabrikam's Teams writes are Fabrikam's, Contoso has made none yet.
    expect(hub.events.list({ tenant: b.tenant, kind: "write.teams" }).length).toBeGreaterThan(0);
    expect(hub.events.list({ tenant: a.tenant, kind: "write.teams" })).toEqual([]);
  }, 30_000);

  it("the Graph webhook hands each notification to the one tenant owning its subscription and clientState", async () => {
    for (const c of [a, b]) {
      await until(
        () => /Live notifications for 3 of 3/.test(hub.teamsOf(c.tenant).get().status.reason),
        20_000,
        `${c.name} live notifications`,
      );
    }
    expect(hub.webhookHandlers()).toHaveLength(2);
    const subA = subscription(a);
    const subB = subscription(b);
    expect(subA.clientState).not.toBe(subB.clientState);
    const stats = () => [teamsAdapter(hub, a.tenant).webhookStats(), teamsAdapter(hub, b.tenant).webhookStats()];
    const fabrikamSeen = () => endpoints(b.tenant).map((e) => `${e.id} ${e.teams.at} ${e.teams.observed?.availability}`);

    // 1. A live notification from Contoso's Graph (Bob starts a Teams call) reaches Contoso only:
    // Fabrikam's adapter gets exactly the items Fabrikam's Graph sent meanwhile (none, once things settled).
    await settled(stats);
    const [beforeA, beforeB] = stats();
    const seenB = fabrikamSeen();
    const deliveredB = b.graph.deliveries().length;
    a.graph.setClientPresence(a.ids.bob, INACALL);
    await until(() => dial(a.pbx, "bob") === "forwarded to 100", 10_000, "Contoso's Bob diverted by the notification");
    const [afterA, afterB] = stats();
    expect(afterA!.accepted).toBeGreaterThan(beforeA!.accepted);
    expect(a.graph.deliveries().some((d) => d.kind === "notification" && d.ok && d.userIds?.includes(a.ids.bob!))).toBe(true);
    const sentByB = b.graph
      .deliveries()
      .slice(deliveredB)
      .filter((d) => d.kind === "notification" && d.ok)
      .reduce((n, d) => n + d.items, 0);
    expect(afterB!.items - beforeB!.items).toBe(sentByB);
    expect(sentByB).toBe(0);
    expect(fabrikamSeen()).toEqual(seenB);
    a.graph.setClientPresence(a.ids.bob, AVAILABLE);
    await until(() => dial(a.pbx, "bob") === "rings", 10_000, "Contoso's Bob rings again");

    // 2. A (basic) item with Contoso's subscription and clientState: read in Contoso's Graph only.
    await settled(stats);
    const [s2a, s2b] = stats();
    let markA = a.graph.requests().length;
    let markB = b.graph.requests().length;
    expect(await postNotification([basicItem(subA, subA.clientState, a, a.ids.bob!)])).toBe(202);
    await until(() => requestsSince(a.graph, markA, /getPresencesByUserId/).length > 0, 5000, "Contoso reads Bob");
    expect(stats()[0]!.basic).toBe(s2a!.basic + 1);
    expect(stats()[1]).toEqual(s2b);
    expect(requestsSince(b.graph, markB, /presence/i)).toEqual([]);

    // 3. Forged: one tenant's subscription id with the other's clientState (either way round) goes
    // nowhere — routing by subscription id alone (or by clientState alone) would hand it to a tenant.
    await settled(stats);
    const [s3a, s3b] = stats();
    const seen3 = [endpoints(a.tenant), endpoints(b.tenant)].flat().map((e) => `${e.id} ${e.teams.at}`);
    markA = a.graph.requests().length;
    markB = b.graph.requests().length;
    const forged = [
      basicItem(subA, subB.clientState, a, a.ids.alice!),
      basicItem(subA, subB.clientState, b, b.ids.alice!),
      basicItem(subB, subA.clientState, b, b.ids.alice!),
      basicItem(subB, subA.clientState, a, a.ids.alice!),
      { ...(basicItem(subB, subA.clientState, b, b.ids.bob!) as Record<string, unknown>), subscriptionId: undefined },
    ];
    expect(await postNotification(forged)).toBe(202);
    await never(
      () =>
        requestsSince(a.graph, markA, /presence/i).length + requestsSince(b.graph, markB, /presence/i).length > 0,
      1000,
      "a presence read caused by a forged item",
    );
    expect(stats()).toEqual([s3a, s3b]); // neither adapter was handed an item
    expect([endpoints(a.tenant), endpoints(b.tenant)].flat().map((e) => `${e.id} ${e.teams.at}`)).toEqual(seen3);

    // 4. Rich items keep the body's validationTokens on their way to the owning tenant: an item encrypted
    // for Contoso's subscription is taken with a token Contoso's Graph issued for Contoso's app, and
    // refused with one for another app (Fabrikam's) — the check must not be skipped as "no tokens sent".
    const [s4a, s4b] = stats();
    const rich = async (userId: string, availability: string, audience?: string) => {
      const sub = a.graph.subscriptions()[0] as { encryptionCertificate: string; encryptionCertificateId: string };
      const item = {
        ...(basicItem(subA, subA.clientState, a, userId) as Record<string, unknown>),
        encryptedContent: encryptForSubscription(sub.encryptionCertificate, sub.encryptionCertificateId, {
          id: userId,
          availability,
          activity: availability,
        }),
      };
      const token = await a.graph.mintValidationToken(audience ? { audience } : {});
      const res = await fetch(`${world.running.url}/graph/notify`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ value: [item], validationTokens: [token] }),
      });
      expect(res.status).toBe(202);
      await teamsAdapter(hub, a.tenant).idle();
    };
    const aliceBefore = endpoint(a.tenant, "alice@contoso.example").teams;
    await rich(a.ids.alice!, "DoNotDisturb", b.graph.clientId);
    await until(() => stats()[0]!.tokenRejected === s4a!.tokenRejected + 1, 5000, "token for another app refused");
    expect(stats()[0]!.accepted).toBe(s4a!.accepted);
    await rich(a.ids.dana!, "Away"); // Dana is not on a PBX: accepted, and nothing follows from it
    await until(() => stats()[0]!.accepted === s4a!.accepted + 1, 5000, "item with a good token accepted");
    expect(stats()[0]!.tokenRejected).toBe(s4a!.tokenRejected + 1);
    expect(stats()[1]).toEqual(s4b);
    expect(endpoint(a.tenant, "alice@contoso.example").teams).toEqual(aliceBefore);

    // 5. Lifecycle notifications are routed the same way: Contoso's Graph says it missed notifications
    // for Contoso's subscription → Contoso reads its users' presence again, Fabrikam does nothing.
    await settled(stats);
    const [s5a, s5b] = stats();
    markA = a.graph.requests().length;
    markB = b.graph.requests().length;
    expect(await a.graph.lifecycle(subA.id, "missed")).toBe(true);
    await until(() => requestsSince(a.graph, markA, /getPresencesByUserId/).length > 0, 5000, "Contoso resyncs");
    expect(stats()[0]!.lifecycle).toBe(s5a!.lifecycle + 1);
    expect(stats()[1]).toEqual(s5b);
    expect(requestsSince(b.graph, markB, /presence/i)).toEqual([]);
  }, 60_000);

  it("Graph throttling Contoso does not slow Fabrikam's writes", async () => {
    // Contoso's Graph answers every API call with 429 and a long Retry-After.
    a.graph.addFault({ match: "(GET|POST|PATCH|DELETE) /v1\\.0/.*", status: 429, headers: { "Retry-After": "15" } });
    const markA = a.graph.requests().length;
    const callA = a.pbx.startCall("alice");
    a.pbx.answerCall(callA);
    await until(() => requestsSince(a.graph, markA, /setPresence 429/).length > 0, 10_000, "Contoso throttled");
    // Contoso's write now waits out Retry-After. Fabrikam's goes through at once: its own Graph client,
    // token, retry budget and sync core. (One Graph client or one core for both would hold it 15 s.)
    const started = Date.now();
    const callB = b.pbx.startCall("alice");
    b.pbx.answerCall(callB);
    await until(() => shows(b.graph, b.ids.alice) === "DoNotDisturb/Presenting", 10_000, "Fabrikam's Alice DND");
    const took = Date.now() - started;
    expect(took).toBeLessThan(3000);
    expect(shows(a.graph, a.ids.alice)).toBe("Available/Available"); // Contoso's was still held back
    expect(endpoint(a.tenant, "alice@contoso.example").hub.teams.pending).toBe(true);
    // Contoso catches up once Graph lets it.
    a.graph.clearFaults();
    await until(() => shows(a.graph, a.ids.alice) === "DoNotDisturb/Presenting", 40_000, "Contoso's Alice DND after the throttling");
    a.pbx.endCall(callA);
    b.pbx.endCall(callB);
    await until(
      () => shows(a.graph, a.ids.alice) === "Available/Available" && shows(b.graph, b.ids.alice) === "Available/Available",
      10_000,
      "both Alices available",
    );
  }, 70_000);

  it("deleting Contoso undoes what the hub set for it first and leaves Fabrikam untouched", async () => {
    // Contoso: Sam (no CFB of his own) in a Teams call → hub slot + hub CFB entry on Contoso's PBX;
    // Bob on a PBX call → the hub's Do Not Disturb session in Contoso's Graph.
    a.graph.setClientPresence(a.ids.sam, INACALL);
    const callA = a.pbx.startCall("bob");
    a.pbx.answerCall(callA);
    // Fabrikam: Alice in a Teams call → diverted on Fabrikam's PBX.
    b.graph.setClientPresence(b.ids.alice, INACALL);
    await until(() => hubSlot(a.pbx, "sam").length === 1 && cfbs(a.pbx, "sam").length === 1, 10_000, "hub set on Contoso's PBX");
    await until(() => shows(a.graph, a.ids.bob) === "DoNotDisturb/Presenting", 10_000, "hub session in Contoso's Graph");
    await until(() => dial(b.pbx, "alice") === "forwarded to 199", 10_000, "Fabrikam's Alice diverted");
    const contosoConnectors = hub.connectors.list({ tenant: a.tenant }).map((c) => c.id);

    // Dial Fabrikam's Alice all through the delete: she must stay diverted. (Without tenants, deleting a
    // customer means switching off the one Microsoft 365 connection: every Teams fact goes, and the hub
    // makes every diverted user on every PBX ring again.)
    // Every turn of the event loop, so every step of the delete (each PBX and Graph round trip) is seen.
    const results: string[] = [];
    let deleting = true;
    const dialer = () => {
      results.push(dial(b.pbx, "alice"));
      if (deleting) setImmediate(dialer);
    };
    setImmediate(dialer);
    try {
      await hub.tenants.remove(a.tenant);
    } finally {
      deleting = false;
    }
    expect(results.length).toBeGreaterThan(10);
    expect(new Set(results)).toEqual(new Set(["forwarded to 199"]));

    // Undone on Contoso's side before it went: no slot, no CFB entry, Sam rings; Bob's own Teams client
    // shows again though his PBX call goes on; the subscription is gone.
    expect(hubSlot(a.pbx, "sam")).toEqual([]);
    expect(cfbs(a.pbx, "sam")).toEqual([]);
    expect(dial(a.pbx, "sam")).toBe("rings");
    expect(shows(a.graph, a.ids.bob)).toBe("Available/Available"); // his own Teams client's status
    const bobSessions = a.graph.users().find((u) => u.id === a.ids.bob)!.sessions;
    expect([...bobSessions.keys()]).not.toContain("contoso-presence-app");
    expect(a.graph.subscriptions()).toEqual([]);
    a.pbx.endCall(callA);

    // Gone from the API ...
    expect(hub.tenants.list().map((t) => t.id)).toEqual(["default", b.tenant]);
    for (const get of [() => hub.tenants.get(a.tenant), () => hub.teamsOf(a.tenant), () => hub.endpoints.list({ tenant: a.tenant })])
      expect(() => get()).toThrow(expect.objectContaining({ code: "NOT_FOUND" }));
    expect(() => hub.connectors.get(contosoConnectors[0]!)).toThrow(expect.objectContaining({ code: "NOT_FOUND" }));
    expect(hub.connectors.list().map((c) => c.tenant)).toEqual([b.tenant]);
    expect(hub.endpoints.list({ limit: 500 }).items.every((e) => e.tenant === b.tenant)).toBe(true);
    expect(hub.events.list({ tenant: a.tenant })).toEqual([]);
    expect(hub.webhookHandlers()).toHaveLength(1);
    const metrics = await hub.metrics.metrics();
    expect(metrics).not.toMatch(/presence_hub_(teams|connector)_state\{[^}]*tenant="contoso"/);
    expect(metrics).toMatch(/presence_hub_teams_state\{tenant="fabrikam",state="online"\} 1/);
    // ... and from the store (a second connection on the data directory).
    const store = openSqliteStore({ dataDir: world.dataDir });
    try {
      expect(store.getTenant(a.tenant)).toBeUndefined();
      expect(store.listConnectors(a.tenant)).toEqual([]);
      expect(store.getTeamsSettings(a.tenant)).toBeUndefined();
      expect(store.listServiceAccounts(a.tenant)).toEqual([]);
      expect(store.getSecret(`tenant/${a.tenant}/teams/clientSecret`)).toBeUndefined();
      expect(store.getSecret(`tenant/${a.tenant}/teams/notificationCertificates`)).toBeUndefined();
      expect(store.listEndpoints().every((e) => !contosoConnectors.includes(e.connectorId))).toBe(true);
      const fabrikamEndpoints = new Set(endpoints(b.tenant).map((e) => e.id));
      expect([...store.loadSyncStates().keys()].every((id) => fabrikamEndpoints.has(id))).toBe(true);
      expect(store.listEvents({ tenant: a.tenant, limit: 10 })).toEqual([]);
      expect(store.getTeamsSettings(b.tenant)).toBeDefined();
      expect(store.listServiceAccounts(b.tenant)).toHaveLength(1);
    } finally {
      store.close();
    }

    // A new customer under the same name starts from nothing (no settings, accounts, events of the old one).
    const again = await hub.tenants.create({ name: a.name });
    expect(again).toMatchObject({ id: a.tenant, teams: { configured: false }, counts: { connectors: 0, endpoints: 0 } });
    expect(hub.teamsOf(a.tenant).get()).toMatchObject({ configured: false, clientSecretSet: false, serviceAccounts: [] });
    const kinds = hub.events.list({ tenant: a.tenant }).map((e) => e.kind);
    expect(kinds).toContain("tenant.created");
    expect(kinds.filter((k) => k !== "tenant.created" && k !== "teams.status")).toEqual([]);

    // Fabrikam goes on: still diverted, still online, and a PBX call still shows in its Teams.
    expect(dial(b.pbx, "alice")).toBe("forwarded to 199");
    expect(hub.teamsOf(b.tenant).get().status.state).toBe("online");
    const callB = b.pbx.startCall("bob");
    b.pbx.answerCall(callB);
    await until(() => shows(b.graph, b.ids.bob) === "DoNotDisturb/Presenting", 10_000, "Fabrikam's Bob DND");
    b.pbx.endCall(callB);
    b.graph.setClientPresence(b.ids.alice, AVAILABLE);
    await until(() => dial(b.pbx, "alice") === "rings", 10_000, "Fabrikam's Alice rings again");
  }, 60_000);
});
