// `presence-hub demo --tenants 2`: a second customer (tenant "Fabrikam", its own PBX and Graph simulators,
// Microsoft 365 settings, service account and connector) runs next to the first one. Both connectors come
// online, each tenant's people — the same names on purpose — are matched in their own directory, the
// banner covers both, and the commands printed for the second customer do what they say while the first
// customer's side stays as it was. (The one-customer demo is demo.test.ts / demo-cli.test.ts.)
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configureRootLogger } from "../../common/log.js";

configureRootLogger({ level: "warn" });

type DemoModule = typeof import("../../server/demo/run.js");
type Demo = Awaited<ReturnType<DemoModule["runDemo"]>>;

/** Run one printed `curl -s [-X M] [-H h] [-d 'json'] URL [# comment]` line with fetch. */
async function curl(line: string): Promise<unknown> {
  const method = /-X (\w+)/.exec(line)?.[1] ?? "GET";
  const body = /-d '([^']*)'/.exec(line)?.[1];
  const url = /(http:\/\/\S+)/.exec(line)?.[1] as string;
  const res = await fetch(url, { method, headers: body ? { "content-type": "application/json" } : {}, body });
  return res.json();
}

async function until<T>(fn: () => Promise<T>, ok: (v: T) => boolean, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  let v = await fn();
  while (!ok(v) && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 200));
    v = await fn();
  }
  return v;
}

const result = (r: unknown) => (r as { result: string; destination?: string }).result;
const availability = (r: unknown) => (r as { presence: { availability: string } }).presence.availability;

describe("presence-hub demo --tenants 2", () => {
  let demo: Demo;
  let banner: string;

  beforeAll(async () => {
    const { runDemo, demoBanner } = await import("../../server/demo/run.js");
    demo = await runDemo({ tenants: 2, port: 0, adminPassword: "demo-tenants-pw" });
    banner = demoBanner(demo);
  }, 90_000);
  afterAll(async () => {
    await demo?.close();
  });

  it("runs two customers: both connectors online, Microsoft 365 signed in for each", () => {
    const second = demo.second!;
    expect(second).toBeDefined();
    const hub = demo.hub.hub;
    expect(hub.tenants.list().map((t) => [t.id, t.name])).toEqual([
      ["default", "Contoso"],
      ["fabrikam", "Fabrikam"],
    ]);
    expect(hub.connectors.get(demo.connector.id)).toMatchObject({ tenant: "default", status: { state: "online" } });
    expect(hub.connectors.get(second.connector.id)).toMatchObject({ tenant: "fabrikam", status: { state: "online" } });
    expect(demo.serviceAccount).toBe(true);
    expect(second.serviceAccount).toBe(true);
    expect(hub.teamsOf("fabrikam").get()).toMatchObject({ configured: true, tenantId: second.graph.tenantId });
    expect(hub.teamsOf("fabrikam").get().serviceAccounts.map((a) => a.upn)).toEqual(["presence-svc1@fabrikam.example"]);
    expect(second.graph.tenantId).not.toBe(demo.graph.tenantId);
  });

  it("matches each tenant's people in its own directory (same names, extensions and local parts)", () => {
    const hub = demo.hub.hub;
    const first = hub.endpoints.list({ tenant: "default", limit: 100 }).items;
    const second = hub.endpoints.list({ tenant: "fabrikam", limit: 100 }).items;
    expect(first.filter((e) => e.teamsUserId).length).toBe(5);
    expect(second.filter((e) => e.teamsUserId).length).toBe(4);
    const firstIds = new Set(demo.graph.users().map((u) => u.id));
    const secondIds = new Set(demo.second!.graph.users().map((u) => u.id));
    for (const e of first.filter((x) => x.teamsUserId)) expect(firstIds.has(e.teamsUserId!)).toBe(true);
    for (const e of second) expect(secondIds.has(e.teamsUserId!)).toBe(true);
    const alice = (list: typeof first) => list.find((e) => e.h323 === "alice")!;
    expect(alice(first)).toMatchObject({ displayName: "Alice Adams", e164: "101", teamsUserId: demo.teamsIds.alice });
    expect(alice(second)).toMatchObject({ displayName: "Alice Adams", e164: "101", teamsUserId: demo.second!.teamsIds.alice });
  });

  it("the banner covers both customers", () => {
    const second = demo.second!;
    expect(banner).toContain('Tenant "Contoso" (id default):');
    expect(banner).toContain('Tenant "Fabrikam" (id fabrikam):');
    expect(banner).toContain(second.pbx.url);
    expect(banner).toContain(second.graph.url);
    expect(banner).toMatch(/Connector "Demo PBX": online; 5 users matched; presence subscriptions/);
    expect(banner).toMatch(/Connector "Fabrikam PBX": online; 4 users matched; presence subscriptions/);
    expect(banner).not.toMatch(/<[a-z-]+>/i); // pasteable: no placeholder left
  });

  it("the printed commands for the second customer work and leave the first customer's side alone", async () => {
    const lines = banner.split("\n").filter((l) => l.trim().startsWith("curl"));
    expect(lines.length).toBe(15); // the first customer's 7, then Fabrikam's 8
    const fab = lines.slice(7);
    const g2 = demo.second!.graph.url;
    const p2 = demo.second!.pbx.httpUrl;
    expect(fab.filter((l) => l.includes(g2) || l.includes(p2)).length).toBe(6);
    await curl(fab[0]!); // Fabrikam's Alice: Teams call
    expect(await until(() => curl(fab[1]!), (r) => result(r) === "forwarded")).toMatchObject({
      result: "forwarded",
      destination: "199",
    });
    expect(result(await curl(fab[2]!))).toBe("rings"); // Contoso's Alice, same extension and name
    await curl(fab[3]!); // Fabrikam's Bob: PBX call, answered
    expect(availability(await until(() => curl(fab[4]!), (u) => availability(u) === "DoNotDisturb"))).toBe("DoNotDisturb");
    expect(availability(await curl(fab[5]!))).toBe("Available"); // Contoso's Bob in Contoso's Teams
    await curl(fab[6]!); // Fabrikam's Bob hangs up
    expect(availability(await until(() => curl(fab[4]!), (u) => availability(u) === "Available"))).toBe("Available");
    await curl(fab[7]!); // Fabrikam's Alice hangs up
    expect(result(await until(() => curl(fab[1]!), (r) => result(r) === "rings"))).toBe("rings");
  }, 60_000);
});
