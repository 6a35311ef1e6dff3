// Issue 10 isolation acceptance: a tenant admin of B reaches nothing of tenant A's through any route.
// Every route the app registered (onRoute) and every path of the OpenAPI document is called as B with A's
// ids in every path parameter, ?tenant=A where the query has one and A's ids in bodies that name a tenant or
// connector: 403 or 404, never 2xx, and no response (of any route) contains an id or name of A's. A route
// missing from the table below fails the test, so a new route cannot slip past. Also: B's own routes work,
// B's event stream carries B's messages and none of A's or the hub's, B cannot add users or tenants,
// disabling B's account ends its session, and the configured admin, a stored admin and the API token can
// do everything.
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { until } from "../sync/fakes.js";
import { A, B, PASSWORDS, ROOT, TOKEN, type TenantWorld, alphaLeaks, openTenantWorld } from "./tenant-world.js";

type Method = "GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE";
type Body = (w: TenantWorld) => unknown;

/**
 * How B calls a route, and what must come back:
 * deny — A's ids in the path, ?tenant=A or A's ids in the body: 403 or 404;
 * admin — hub-wide (users, metrics, rule reloads): 403 whatever the ids;
 * own — names nothing of A's (B's own lists, catalogues, public routes): any status, nothing of A's in it;
 * stream — the SSE stream, checked over a socket below.
 */
type Probe = { as: "deny" | "admin" | "own"; body?: Body; anonymous?: boolean } | { as: "stream" };

const alphaConnector = (w: TenantWorld) => w.alpha.connectors[0]!.id;
const pbxConfig = { server: "x.test", username: "u", password: "p" };

const ROUTES: Record<string, Probe> = {
  // auth: logout and login anonymously (B's session must survive the walk); password: B's own account
  "POST /api/auth/login": { as: "own", anonymous: true, body: (w) => ({ username: w.alpha.admin.username, password: "wrong-password" }) },
  "POST /api/auth/logout": { as: "own", anonymous: true },
  "GET /api/auth/session": { as: "own" },
  "POST /api/auth/password": { as: "own", body: () => ({ currentPassword: "wrong-password", newPassword: "never-set-passphrase" }) },
  // public
  "GET /api/health": { as: "own" },
  "GET /api/teams/service-accounts/callback": { as: "own", anonymous: true },
  "POST /graph/notify": { as: "own", anonymous: true, body: () => ({ value: [] }) },
  "POST /graph/lifecycle": { as: "own", anonymous: true, body: () => ({ value: [] }) },
  "GET /*": { as: "own", anonymous: true },
  // hub-wide: admins only
  "GET /metrics": { as: "admin" },
  "POST /api/rule-sets/reload": { as: "admin" },
  "GET /api/users": { as: "admin" },
  "POST /api/users": { as: "admin", body: () => ({ username: "evil", password: "evil-passphrase-1", role: "tenant-admin", tenant: B.id }) },
  "GET /api/users/:id": { as: "admin" },
  "PATCH /api/users/:id": { as: "admin", body: () => ({ disabled: true }) },
  "DELETE /api/users/:id": { as: "admin" },
  "POST /api/tenants": { as: "admin", body: () => ({ name: "Evil tenant" }) },
  // tenants
  "GET /api/tenants": { as: "own" },
  "GET /api/tenants/:tenant": { as: "deny" },
  "PATCH /api/tenants/:tenant": { as: "deny", body: () => ({ name: "Renamed by B" }) },
  "DELETE /api/tenants/:tenant": { as: "deny" },
  // connectors
  "GET /api/connectors": { as: "deny" },
  "POST /api/connectors": { as: "deny", body: () => ({ type: "innovaphone-dnd", name: "Evil PBX", tenant: A.id }) },
  "GET /api/connectors/:id": { as: "deny" },
  "PATCH /api/connectors/:id": { as: "deny", body: () => ({ name: "Renamed by B", enabled: false }) },
  "PUT /api/connectors/:id/config": { as: "deny", body: () => ({ defaultDestination: "666" }) },
  "DELETE /api/connectors/:id": { as: "deny" },
  "POST /api/connectors/:id/enable": { as: "deny" },
  "POST /api/connectors/:id/disable": { as: "deny" },
  "POST /api/connectors/:id/test": { as: "deny" },
  "POST /api/connectors/:id/refresh": { as: "deny" },
  "POST /api/connectors/test": { as: "own", body: () => ({ type: "innovaphone-dnd", config: pbxConfig }) },
  // Microsoft 365: /api/teams is the default tenant's (not B's), the rest names A
  "GET /api/teams": { as: "deny" },
  "PUT /api/teams": { as: "deny", body: () => ({ pollIntervalSeconds: 60 }) },
  "POST /api/teams/test": { as: "deny" },
  "POST /api/teams/refresh": { as: "deny" },
  "GET /api/teams/users": { as: "deny" },
  "GET /api/teams/service-accounts/sign-in": { as: "deny" },
  "POST /api/teams/service-accounts/complete": { as: "deny", body: () => ({ state: "s", code: "c" }) },
  "DELETE /api/teams/service-accounts/:id": { as: "deny" },
  "GET /api/tenants/:tenant/teams": { as: "deny" },
  "PUT /api/tenants/:tenant/teams": { as: "deny", body: () => ({ pollIntervalSeconds: 60 }) },
  "POST /api/tenants/:tenant/teams/test": { as: "deny" },
  "POST /api/tenants/:tenant/teams/refresh": { as: "deny" },
  "GET /api/tenants/:tenant/teams/users": { as: "deny" },
  "GET /api/tenants/:tenant/teams/service-accounts/sign-in": { as: "deny" },
  "POST /api/tenants/:tenant/teams/service-accounts/complete": { as: "deny", body: () => ({ state: "s", code: "c" }) },
  "DELETE /api/tenants/:tenant/teams/service-accounts/:id": { as: "deny" },
  // endpoints and events
  "GET /api/endpoints": { as: "deny" },
  "GET /api/endpoints/:id": { as: "deny" },
  "PATCH /api/endpoints/:id": { as: "deny", body: () => ({ enabled: false }) },
  "GET /api/endpoints/:id/timeline": { as: "deny" },
  "POST /api/endpoints/bulk-enable": { as: "deny", body: () => ({ enabled: false, tenant: A.id }) },
  "POST /api/endpoints/rematch": { as: "deny", body: (w) => ({ connectorId: alphaConnector(w) }) },
  "GET /api/events": { as: "deny" },
  "GET /api/events/stream": { as: "stream" },
  // catalogues, the same for everyone
  "GET /api/connector-modules": { as: "own" },
  "GET /api/connector-types": { as: "own" },
  "GET /api/connector-types/:id/rules": { as: "own" },
  "POST /api/connector-types/:id/explain": { as: "own", body: () => ({ teams: { availability: "Busy", activity: "InACall" } }) },
  "GET /info/:id": { as: "own" },
  "GET /api/openapi.json": { as: "own" },
  "GET /api/docs": { as: "own" },
  "GET /api/docs/": { as: "own" },
  "GET /api/docs/json": { as: "own" },
  "GET /api/docs/yaml": { as: "own" },
  "GET /api/docs/static/index.html": { as: "own" },
  "GET /api/docs/static/swagger-initializer.js": { as: "own" },
  "GET /api/docs/static/*": { as: "own" },
};

/** A's value for a path parameter of a route; unknown parameters fail the test. */
function alphaParam(w: TenantWorld, url: string, name: string): string {
  if (name === "tenant") return A.id;
  if (name === "*") return "index.html";
  if (name === "id") {
    if (url.startsWith("/api/connectors/")) return alphaConnector(w);
    if (url.startsWith("/api/endpoints/")) return w.alpha.endpoints[0]!.id;
    if (url.startsWith("/api/users/")) return w.alpha.admin.id;
    if (url.includes("/service-accounts/")) return "sa-qxalpha-1";
    // rule-set ids: the same catalogue for every tenant
    if (url.startsWith("/api/connector-types/") || url.startsWith("/info/")) return "innovaphone-dnd";
  }
  throw new Error(`route ${url}: the test does not know A's value for :${name}; add it to alphaParam`);
}

/** A's ids for query parameters that name things (besides ?tenant=). */
function alphaQuery(w: TenantWorld, name: string): string | undefined {
  if (name === "tenant") return A.id;
  if (name === "connectorId") return alphaConnector(w);
  if (name === "endpointId") return w.alpha.endpoints[0]!.id;
  return undefined;
}

interface RouteCall {
  method: Method;
  url: string;
  query: string[];
}

let w: TenantWorld;
let beta: string;

beforeAll(async () => {
  w = await openTenantWorld();
  beta = await w.login("beta-admin", PASSWORDS.betaAdmin);
}, 60_000);
afterAll(async () => {
  await w?.close();
});

/** Every (method, url) the app serves: its routes and the OpenAPI document's paths. */
async function everyRoute(world: TenantWorld): Promise<RouteCall[]> {
  const calls = new Map<string, RouteCall>();
  for (const r of world.routes) {
    const query = Object.keys((r.schema?.querystring as { properties?: object } | undefined)?.properties ?? {});
    for (const m of [r.method].flat() as Method[]) calls.set(`${m} ${r.url}`, { method: m, url: r.url, query });
  }
  const doc = (await world.call("token", "GET", "/api/openapi.json")).json() as { paths: Record<string, Record<string, unknown>> };
  for (const [path, ops] of Object.entries(doc.paths)) {
    const url = path.replace(/\{([^}]+)\}/g, ":$1");
    for (const m of Object.keys(ops)) {
      const method = m.toUpperCase() as Method;
      if (!calls.has(`${method} ${url}`)) calls.set(`${method} ${url}`, { method, url, query: [] });
    }
  }
  // Deletions last: should one ever get through, the other probes still meet A's data (and show the leak).
  const order = (c: RouteCall) => (c.method === "DELETE" ? (c.url.startsWith("/api/tenants/:tenant") && !c.url.includes("teams") ? 2 : 1) : 0);
  return [...calls.values()].sort((a, b) => order(a) - order(b));
}

/** Calls every route as the tenant admin of B (`cookie`) the way ROUTES says; returns what went wrong. */
async function walk(world: TenantWorld, cookie: string): Promise<{ routes: number; probed: number; failures: string[] }> {
  const routes = await everyRoute(world);
  const failures: string[] = [];
  let probed = 0;
  for (const r of routes) {
    // HEAD is GET without a body: same expectation, the status is what counts.
    const probe = ROUTES[`${r.method === "HEAD" ? "GET" : r.method} ${r.url}`];
    if (!probe) {
      failures.push(`${r.method} ${r.url}: unknown route — add it to ROUTES with how a tenant admin may call it`);
      continue;
    }
    if (probe.as === "stream") continue;
    let path: string;
    try {
      path = r.url.replace(/:(\w+)|\*/g, (m, name: string | undefined) => alphaParam(world, r.url, name ?? m));
    } catch (e) {
      failures.push((e as Error).message);
      continue;
    }
    const tenantQuery = r.query.includes("tenant") ? `?tenant=${A.id}` : "";
    const res = await world.call(probe.anonymous ? "" : cookie, r.method, path + tenantQuery, probe.body?.(world));
    probed++;
    const what = `${r.method} ${path}${tenantQuery} → ${res.statusCode}`;
    const denied = probe.as === "admin" ? [403] : [403, 404];
    if (probe.as !== "own" && !denied.includes(res.statusCode))
      failures.push(`${what}: expected ${denied.join(" or ")} ${res.body.slice(0, 200)}`);
    const leaks = alphaLeaks(world, res.body);
    if (leaks.length) failures.push(`${what}: body shows A's ${leaks.join(", ")}`);
    // Other id-valued query parameters (connectorId, endpointId) with A's ids: nothing of A's either.
    const more = r.query.filter((q) => q !== "tenant" && alphaQuery(world, q));
    if (more.length && probe.as !== "admin") {
      const qs = more.map((q) => `${q}=${encodeURIComponent(alphaQuery(world, q) as string)}`).join("&");
      const extra = await world.call(cookie, r.method, `${path}?${qs}`);
      probed++;
      const l = alphaLeaks(world, extra.body);
      if (l.length) failures.push(`${r.method} ${path}?${qs} → ${extra.statusCode}: body shows A's ${l.join(", ")}`);
    }
  }
  return { routes: routes.length, probed, failures };
}

describe("a tenant admin of B reaches nothing of A's", () => {
  it("every route, with A's ids in every path parameter, ?tenant=A and A's ids in bodies: 403/404, no data of A's", async () => {
    const { routes, probed, failures } = await walk(w, beta);
    if (process.env.ISOLATION_DEBUG) console.log({ routes, probed, failures });
    expect(failures).toEqual([]);
    expect(routes).toBeGreaterThan(90);
    expect(probed).toBeGreaterThan(90);
    // B's session survived the walk, and A is untouched.
    expect((await w.call(beta, "GET", "/api/auth/session")).json()).toMatchObject({ user: "beta-admin", role: "tenant-admin", tenant: B.id });
    expect(w.hub.tenants.get(A.id).name).toBe(A.name);
    for (const c of w.alpha.connectors) expect(w.hub.connectors.get(c.id)).toMatchObject({ name: c.name, enabled: true });
    for (const e of w.alpha.endpoints) expect(w.hub.endpoints.get(e.id).enabled).toBe(true);
    expect(w.hub.users.get(w.alpha.admin.id).disabled).toBe(false);
  });

  it("ids of A's in bodies of B's own routes change nothing of A's", async () => {
    const ids = w.alpha.endpoints.map((e) => e.id);
    const bulk = await w.call(beta, "POST", "/api/endpoints/bulk-enable", { enabled: false, ids });
    expect(bulk.json()).toEqual({ updated: 0 });
    const byConnector = await w.call(beta, "POST", "/api/endpoints/bulk-enable", { enabled: false, connectorId: alphaConnector(w) });
    expect(byConnector.json()).toEqual({ updated: 0 });
    for (const id of ids) expect(w.hub.endpoints.get(id).enabled).toBe(true);
    const test = await w.call(beta, "POST", `/api/connectors/${alphaConnector(w)}/test`, { config: { password: "x" } });
    expect(test.statusCode).toBe(404);
    // "not found" reads the same for A's ids and ids that exist nowhere: nothing to learn from the answer.
    const unknown = await w.call(beta, "GET", "/api/connectors/c_doesnotexist");
    const foreign = await w.call(beta, "GET", `/api/connectors/${alphaConnector(w)}`);
    expect(foreign.json()).toEqual(unknown.json());
  });

  it("B's own routes work", async () => {
    const [bc] = w.beta.connectors;
    const [be] = w.beta.endpoints;
    const ok = async (method: Method, url: string, body?: unknown) => {
      const res = await w.call(beta, method, url, body);
      expect(res.statusCode, `${method} ${url}: ${res.body}`).toBeLessThan(300);
      expect(alphaLeaks(w, res.body), `${method} ${url}`).toEqual([]);
      return res;
    };
    expect((await ok("GET", "/api/tenants")).json().map((t: { id: string }) => t.id)).toEqual([B.id]);
    await ok("GET", `/api/tenants/${B.id}`);
    await ok("GET", `/api/tenants/${B.id}/teams`);
    await ok("GET", `/api/tenants/${B.id}/teams/users`);
    expect((await ok("GET", "/api/connectors")).json().map((c: { id: string }) => c.id)).toEqual([bc!.id]);
    await ok("HEAD", "/api/connectors");
    await ok("GET", `/api/connectors?tenant=${B.id}`);
    await ok("GET", `/api/connectors/${bc!.id}`);
    await ok("PATCH", `/api/connectors/${bc!.id}`, { description: "B's own" });
    await ok("PUT", `/api/connectors/${bc!.id}/config`, { defaultDestination: "600" });
    await ok("POST", `/api/connectors/${bc!.id}/test`, {});
    await ok("POST", `/api/connectors/${bc!.id}/refresh`);
    const created = (await ok("POST", "/api/connectors", { type: "innovaphone-dnd", name: "Beta spare" })).json();
    expect(created.tenant).toBe(B.id);
    await ok("DELETE", `/api/connectors/${created.id}`);
    const page = (await ok("GET", "/api/endpoints?limit=500")).json();
    expect(page.items.map((e: { tenant: string }) => e.tenant)).toEqual([B.id, B.id]);
    await ok("GET", `/api/endpoints/${be!.id}`);
    await ok("PATCH", `/api/endpoints/${be!.id}`, { enabled: true });
    await ok("GET", `/api/endpoints/${be!.id}/timeline`);
    await ok("POST", "/api/endpoints/bulk-enable", { enabled: true, connectorId: bc!.id });
    await ok("POST", "/api/endpoints/rematch", {});
    await ok("POST", "/api/endpoints/rematch", { connectorId: bc!.id });
    const events = (await ok("GET", "/api/events?limit=1000")).json() as { tenant?: string }[];
    expect(events.length).toBeGreaterThan(0);
    expect(events.every((e) => e.tenant === B.id)).toBe(true);
    const health = (await ok("GET", "/api/health")).json();
    expect(health.connectors.map((c: { id: string }) => c.id)).toEqual([bc!.id]);
    expect(health.tenants.map((t: { id: string }) => t.id)).toEqual([B.id]);
    expect(health.sync.endpoints).toBe(2);
    await ok("GET", "/api/connector-types");
    await ok("GET", "/api/connector-modules");
    await ok("GET", "/info/innovaphone-dnd");
    await ok("GET", "/api/openapi.json");
  });

  it("B cannot add admin accounts or tenants, reload rules or read metrics (403)", async () => {
    const users = await w.call(beta, "POST", "/api/users", { username: "b-admin-2", password: "another-passphrase", role: "admin" });
    expect(users.statusCode).toBe(403);
    expect(users.json().code).toBe("FORBIDDEN");
    expect((await w.call(beta, "POST", "/api/tenants", { name: "B's own customer" })).statusCode).toBe(403);
    expect((await w.call(beta, "PATCH", `/api/tenants/${B.id}`, { name: "B renamed" })).statusCode).toBe(403);
    expect((await w.call(beta, "DELETE", `/api/tenants/${B.id}`)).statusCode).toBe(403);
    expect((await w.call(beta, "POST", "/api/rule-sets/reload")).statusCode).toBe(403);
    expect((await w.call(beta, "GET", "/metrics")).statusCode).toBe(403);
    expect(w.hub.tenants.list().map((t) => t.id).sort()).toEqual(["default", A.id, B.id].sort());
    expect(w.hub.users.list().map((u) => u.username)).not.toContain("b-admin-2");
  });
});

describe("B's event stream", () => {
  it("carries B's events and messages, none of A's and none of the hub-wide ones", async () => {
    const base = await w.app.listen({ host: "127.0.0.1", port: 0 });
    const read = async (auth: Record<string, string>) => {
      const res = await fetch(`${base}/api/events/stream`, { headers: auth });
      expect(res.status).toBe(200);
      const reader = (res.body as ReadableStream<Uint8Array>).getReader();
      const decoder = new TextDecoder();
      const stream = { text: "", done: false };
      void (async () => {
        for (;;) {
          const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
          if (done) break;
          stream.text += decoder.decode(value);
        }
        stream.done = true;
      })();
      return { stream, cancel: () => reader.cancel().catch(() => {}) };
    };
    const b = await read({ cookie: beta });
    const admin = await read({ authorization: `Bearer ${TOKEN}` });
    const [ae] = w.alpha.endpoints;
    const [be] = w.beta.endpoints;
    // Both tenants: an endpoint change (event + endpoint message) and a connector going off and on
    // (connector messages, status events); hub-wide: a tenant created and deleted (its deletion has no tenant).
    for (const [e, c] of [
      [ae!, w.alpha.connectors[0]!],
      [be!, w.beta.connectors[0]!],
    ] as const) {
      expect((await w.call("token", "PATCH", `/api/endpoints/${e.id}`, { enabled: false })).statusCode).toBe(200);
      expect((await w.call("token", "PATCH", `/api/endpoints/${e.id}`, { enabled: true })).statusCode).toBe(200);
      expect((await w.call("token", "POST", `/api/connectors/${c.id}/disable`)).statusCode).toBe(200);
      expect((await w.call("token", "POST", `/api/connectors/${c.id}/enable`)).statusCode).toBe(200);
    }
    const temp = (await w.call("token", "POST", "/api/tenants", { id: "qxalpha-temp", name: "Qxalpha Temp" })).json();
    expect((await w.call("token", "DELETE", `/api/tenants/${temp.id}`)).statusCode).toBe(204);
    await until(() => admin.stream.text.includes("deleted") && admin.stream.text.includes(`"endpoint":{"id":"${ae!.id}"`), 5000, "A's messages on the admin's stream");
    await until(() => b.stream.text.includes(`"endpoint":{"id":"${be!.id}"`) && b.stream.text.includes("event: connector"), 5000, "B's messages on B's stream");
    await new Promise((r) => setTimeout(r, 400)); // anything of A's still on its way would arrive now
    b.cancel();
    admin.cancel();
    expect(b.stream.text).toContain("event: event");
    expect(alphaLeaks(w, admin.stream.text).length).toBeGreaterThan(0); // A's messages did flow
    expect(alphaLeaks(w, b.stream.text)).toEqual([]);
    for (const line of b.stream.text.split("\n").filter((l) => l.startsWith("data: "))) {
      const m = JSON.parse(line.slice(6));
      const tenant = m.event?.tenant ?? m.endpoint?.tenant ?? m.connector?.tenant ?? m.tenant;
      expect(tenant, line).toBe(B.id);
    }
  });
});

describe("admins, the configured admin and the API token", () => {
  it("can do everything, in every tenant", async () => {
    const root = await w.login(ROOT.user, ROOT.password);
    const admin2 = await w.login("second-admin", PASSWORDS.admin2);
    const [ac] = w.alpha.connectors;
    const [ae] = w.alpha.endpoints;
    for (const auth of ["token", root, admin2]) {
      const ok = async (method: Method, url: string, body?: unknown) => {
        const res: LightMyRequestResponse = await w.call(auth, method, url, body);
        expect(res.statusCode, `${method} ${url}: ${res.body}`).toBeLessThan(300);
        return res;
      };
      expect((await ok("GET", "/api/tenants")).json().length).toBe(3);
      await ok("GET", `/api/tenants/${A.id}`);
      await ok("PATCH", `/api/tenants/${A.id}`, { name: A.name });
      await ok("GET", `/api/tenants/${A.id}/teams`);
      await ok("GET", "/api/teams");
      expect((await ok("GET", "/api/connectors")).json().length).toBe(3);
      await ok("GET", `/api/connectors?tenant=${A.id}`);
      await ok("GET", `/api/connectors/${ac!.id}`);
      await ok("POST", `/api/connectors/${ac!.id}/test`, {});
      await ok("GET", `/api/endpoints/${ae!.id}`);
      await ok("GET", `/api/endpoints/${ae!.id}/timeline`);
      expect((await ok("GET", "/api/endpoints?limit=500")).json().total).toBe(4);
      await ok("GET", `/api/events?tenant=${A.id}`);
      await ok("POST", "/api/rule-sets/reload");
      await ok("GET", "/metrics");
      const users = (await ok("GET", "/api/users")).json();
      expect(users[0]).toMatchObject({ id: "builtin-admin", builtIn: true, role: "admin", tenant: null, username: ROOT.user });
      await ok("GET", `/api/users/${w.alpha.admin.id}`);
      const health = (await ok("GET", "/api/health")).json();
      expect(health.tenants.length).toBe(3);
      const t = (await ok("POST", "/api/tenants", { name: "Scratch tenant" })).json();
      const u = (await ok("POST", "/api/users", { username: `scratch-${t.id}`, password: "scratch-passphrase", role: "tenant-admin", tenant: t.id })).json();
      await ok("PATCH", `/api/users/${u.id}`, { disabled: true });
      await ok("DELETE", `/api/users/${u.id}`);
      await ok("DELETE", `/api/tenants/${t.id}`);
    }
  });
});

describe("the walk itself", () => {
  it("fails on a route it does not know (a new route cannot slip past)", async () => {
    // The bug this guards against: a route that closes over the unscoped hub instead of request.hub.
    const world = await openTenantWorld({
      extraPlugins: (hub) => [
        {
          tenantAdmin: true,
          plugin: async (app: FastifyInstance) => {
            app.get<{ Params: { id: string } }>("/api/sneaky/:id", async (request) => hub.connectors.get(request.params.id));
          },
        },
      ],
    });
    try {
      const cookie = await world.login("beta-admin", PASSWORDS.betaAdmin);
      const { failures } = await walk(world, cookie);
      expect(failures).toEqual(["GET /api/sneaky/:id: unknown route — add it to ROUTES with how a tenant admin may call it", "HEAD /api/sneaky/:id: unknown route — add it to ROUTES with how a tenant admin may call it"]);
    } finally {
      await world.close();
    }
  }, 60_000);
});

describe("B's account", () => {
  it("disabled, its session ends at the next request (401); enabled again, B logs in again", async () => {
    expect((await w.call(beta, "GET", "/api/connectors")).statusCode).toBe(200);
    expect((await w.call("token", "PATCH", `/api/users/${w.beta.admin.id}`, { disabled: true })).statusCode).toBe(200);
    const after = await w.call(beta, "GET", "/api/connectors");
    expect(after.statusCode).toBe(401);
    expect((await w.call(beta, "GET", "/api/auth/session")).statusCode).toBe(401);
    const refused = await w.app.inject({ method: "POST", url: "/api/auth/login", payload: { username: "beta-admin", password: PASSWORDS.betaAdmin } });
    expect(refused.statusCode).toBe(401);
    expect((await w.call("token", "PATCH", `/api/users/${w.beta.admin.id}`, { disabled: false })).statusCode).toBe(200);
    // The old session stays ended; a new login works.
    expect((await w.call(beta, "GET", "/api/connectors")).statusCode).toBe(401);
    beta = await w.login("beta-admin", PASSWORDS.betaAdmin);
    expect((await w.call(beta, "GET", "/api/connectors")).statusCode).toBe(200);
  });
});
