// Admin API over app.inject with an in-memory hub: authentication everywhere except health, metrics and
// the OAuth callback; 400s with schema messages; secrets never returned; CSRF rules; login rate limit.
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../../server/app.js";
import { hashPassword } from "../../server/auth/password.js";
import { SECRETS, createFakeHub } from "./fake-hub.js";

const TOKEN = "test-token-0123456789abcdefghij";
let app: FastifyInstance;
let cookie: string;
const bodies: string[] = [];

async function req(method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE", url: string, payload?: unknown, auth: "token" | "cookie" | "none" = "token") {
  const headers: Record<string, string> = {};
  if (auth === "token") headers.authorization = `Bearer ${TOKEN}`;
  if (auth === "cookie") headers.cookie = cookie;
  const res = await app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload: payload as object }) });
  bodies.push(res.body);
  return res;
}

beforeAll(async () => {
  app = await buildApp({
    hub: createFakeHub(),
    admin: { user: "admin", passwordHash: await hashPassword("correct horse") },
    apiToken: TOKEN,
    publicBaseUrl: "http://127.0.0.1:8080",
    maxFailedLogins: 3,
  });
  const login = await app.inject({ method: "POST", url: "/api/auth/login", payload: { username: "admin", password: "correct horse" } });
  expect(login.statusCode).toBe(200);
  const set = String(login.headers["set-cookie"]);
  expect(set).toMatch(/HttpOnly/i);
  expect(set).toMatch(/SameSite=Strict/i);
  cookie = set.split(";")[0];
});
afterAll(async () => {
  await app.close();
});

describe("authentication", () => {
  const protectedRoutes: [string, string][] = [
    ["GET", "/api/connectors"],
    ["POST", "/api/connectors"],
    ["GET", "/api/connectors/c1"],
    ["PATCH", "/api/connectors/c1"],
    ["PUT", "/api/connectors/c1/config"],
    ["DELETE", "/api/connectors/c1"],
    ["POST", "/api/connectors/c1/test"],
    ["POST", "/api/connectors/test"],
    ["POST", "/api/connectors/c1/refresh"],
    ["POST", "/api/connectors/c1/enable"],
    ["GET", "/api/teams"],
    ["PUT", "/api/teams"],
    ["POST", "/api/teams/test"],
    ["GET", "/api/teams/service-accounts/sign-in"],
    ["GET", "/api/endpoints"],
    ["PATCH", "/api/endpoints/ep1"],
    ["POST", "/api/endpoints/bulk-enable"],
    ["GET", "/api/endpoints/ep1/timeline"],
    ["GET", "/api/events"],
    ["GET", "/api/events/stream"],
    ["GET", "/api/openapi.json"],
    ["GET", "/api/docs"],
    ["GET", "/api/docs/json"],
    ["GET", "/api/auth/session"],
    ["POST", "/api/auth/password"],
    ["GET", "/api/users"],
    ["POST", "/api/users"],
    ["GET", "/api/users/u1"],
    ["PATCH", "/api/users/u1"],
    ["DELETE", "/api/users/u1"],
    ["GET", "/api/tenants"],
    ["POST", "/api/tenants"],
    ["DELETE", "/api/tenants/t1"],
  ];
  it.each(protectedRoutes)("%s %s needs auth", async (method, url) => {
    const res = await app.inject({ method: method as "GET", url, payload: method === "GET" ? undefined : {} });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ code: "UNAUTHORIZED" });
  });

  it("rejects a wrong bearer token", async () => {
    const res = await app.inject({ method: "GET", url: "/api/connectors", headers: { authorization: "Bearer nope" } });
    expect(res.statusCode).toBe(401);
  });

  it("health, metrics and the UI shell are public", async () => {
    const anonymous = await req("GET", "/api/health", undefined, "none");
    expect(anonymous.statusCode).toBe(200);
    // Anonymous callers learn the state only; connector names and counts need authentication.
    expect(anonymous.json()).toEqual({ ok: true, state: "running" });
    const detailed = (await req("GET", "/api/health", undefined, "cookie")).json();
    expect(detailed).toMatchObject({ ok: true, state: "running", connectors: expect.any(Array), sync: expect.any(Object) });
    const metrics = await req("GET", "/metrics", undefined, "none");
    expect(metrics.statusCode).toBe(200);
    expect(metrics.body).toContain("presence_hub_http_requests_total");
    const index = await req("GET", "/", undefined, "none");
    expect(index.statusCode).toBe(200);
    expect(index.headers["content-security-policy"]).toContain("default-src 'self'");
  });

  it("the session cookie works and logout ends it", async () => {
    const res = await req("GET", "/api/auth/session", undefined, "cookie");
    expect(res.json()).toEqual({ user: "admin", via: "session", role: "admin", tenant: null });
    const login = await app.inject({ method: "POST", url: "/api/auth/login", payload: { username: "admin", password: "correct horse" } });
    const other = String(login.headers["set-cookie"]).split(";")[0];
    await app.inject({ method: "POST", url: "/api/auth/logout", headers: { cookie: other } });
    const after = await app.inject({ method: "GET", url: "/api/auth/session", headers: { cookie: other } });
    expect(after.statusCode).toBe(401);
  });

  it("cookie-authenticated writes must be JSON (CSRF)", async () => {
    const res = await app.inject({
      method: "POST",
      url: "/api/connectors",
      headers: { cookie, "content-type": "text/plain" },
      payload: "type=innovaphone-dnd",
    });
    expect(res.statusCode).toBe(400);
    const ok = await req("POST", "/api/connectors", { type: "innovaphone-dnd", name: "via cookie" }, "cookie");
    expect(ok.statusCode).toBe(201);
  });

  it("rate-limits failed logins per address", async () => {
    const bad = () =>
      app.inject({ method: "POST", url: "/api/auth/login", remoteAddress: "10.9.9.9", payload: { username: "admin", password: "x" } });
    for (let i = 0; i < 3; i++) expect((await bad()).statusCode).toBe(401);
    const limited = await bad();
    expect(limited.statusCode).toBe(429);
    expect(limited.headers["retry-after"]).toBeDefined();
    // another address is unaffected
    const good = await app.inject({
      method: "POST",
      url: "/api/auth/login",
      remoteAddress: "10.9.9.10",
      payload: { username: "admin", password: "correct horse" },
    });
    expect(good.statusCode).toBe(200);
  });
});

describe("validation", () => {
  it("400 with the schema message for a missing name", async () => {
    const res = await req("POST", "/api/connectors", { type: "innovaphone-dnd" });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: "VALIDATION", message: expect.stringContaining('missing required property "name"') });
  });
  it("400 for an unknown property instead of dropping it", async () => {
    const res = await req("POST", "/api/connectors", { type: "innovaphone-dnd", name: "x", colour: "red" });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toContain('unknown property "colour"');
  });
  it("400 for a bad port and protocol", async () => {
    const res = await req("PUT", "/api/connectors/c1/config", { port: 70000, protocol: "http" });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toMatch(/port must be <= 65535/);
    expect(res.json().message).toMatch(/protocol must be equal to one of the allowed values/);
  });
  it("400 for a bad query", async () => {
    const res = await req("GET", "/api/endpoints?limit=0");
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toContain("querystring.limit");
  });
  it("HubError codes map to statuses", async () => {
    expect((await req("GET", "/api/connectors/nope")).statusCode).toBe(404);
    const unknownType = await req("POST", "/api/connectors", { type: "no-such-type", name: "x" });
    expect(unknownType.statusCode).toBe(400);
    expect(unknownType.json().message).toContain("unknown connector type");
  });
});

describe("connectors and secrets", () => {
  it("create → test wrong → test right → save; the password is never returned", async () => {
    const created = await req("POST", "/api/connectors", {
      type: "innovaphone-dnd",
      name: "Main PBX",
      description: "HQ",
      config: { server: "pbx.local", port: 443, protocol: "wss", username: "hub", password: "wrong" },
    });
    expect(created.statusCode).toBe(201);
    const id = created.json().id;
    expect(created.json().config).toMatchObject({ server: "pbx.local", passwordSet: true });
    expect(created.json().config.password).toBeUndefined();
    const wrong = await req("POST", `/api/connectors/${id}/test`, {});
    expect(wrong.json()).toMatchObject({ ok: false, summary: expect.stringContaining("Login failed") });
    const right = await req("POST", `/api/connectors/${id}/test`, { config: { password: SECRETS.pbxPassword } });
    expect(right.json().ok).toBe(true);
    const saved = await req("PUT", `/api/connectors/${id}/config`, { password: SECRETS.pbxPassword, defaultDestination: "200" });
    expect(saved.statusCode).toBe(200);
    expect(saved.json().status.state).toBe("online");
    const unsaved = await req("POST", "/api/connectors/test", { type: "innovaphone-dnd", config: { server: "x", password: "no" } });
    expect(unsaved.json().ok).toBe(false);
    expect((await req("POST", `/api/connectors/${id}/disable`)).json().enabled).toBe(false);
    expect((await req("PATCH", `/api/connectors/${id}`, { name: "Renamed", enabled: true })).json()).toMatchObject({ name: "Renamed", enabled: true });
    expect((await req("GET", "/api/connectors")).json().length).toBeGreaterThan(0);
  });

  it("Microsoft 365 settings keep the client secret write-only", async () => {
    const saved = await req("PUT", "/api/teams", {
      tenantId: "contoso.onmicrosoft.com",
      clientId: "11111111-2222-3333-4444-555555555555",
      clientSecret: SECRETS.clientSecret,
      pollIntervalSeconds: 30,
    });
    expect(saved.statusCode).toBe(200);
    expect(saved.json()).toMatchObject({ clientSecretSet: true, configured: true });
    expect((await req("POST", "/api/teams/test", {})).json().ok).toBe(true);
    const bad = await req("PUT", "/api/teams", { pollIntervalSeconds: 1 });
    expect(bad.statusCode).toBe(400);
  });

  it("service-account sign-in redirects and the callback completes with the state", async () => {
    const start = await req("GET", "/api/teams/service-accounts/sign-in");
    expect(start.statusCode).toBe(302);
    expect(start.headers.location).toContain(encodeURIComponent("http://127.0.0.1:8080/api/teams/service-accounts/callback"));
    const cb = await req("GET", "/api/teams/service-accounts/callback?state=s1&code=abc", undefined, "none");
    expect(cb.statusCode).toBe(302);
    expect(cb.headers.location).toContain("signin=ok");
    const bad = await req("GET", "/api/teams/service-accounts/callback?state=forged&code=abc", undefined, "none");
    expect(bad.headers.location).toContain("signin=error");
  });

  it("no response ever contained a stored secret", () => {
    const all = bodies.join("\n");
    expect(all).not.toContain(SECRETS.pbxPassword);
    expect(all).not.toContain(SECRETS.clientSecret);
  });
});

describe("endpoints and events", () => {
  it("searches and pages on the server", async () => {
    const page = (await req("GET", "/api/endpoints?search=user1&limit=5&offset=0")).json();
    expect(page.items).toHaveLength(5);
    expect(page.total).toBe(31); // user1, user10..19, user100..119
    const second = (await req("GET", "/api/endpoints?search=user1&limit=5&offset=5")).json();
    expect(second.items[0].id).not.toBe(page.items[0].id);
    expect((await req("GET", "/api/endpoints?matched=false&limit=500")).json().total).toBe(40);
  });
  it("updates, bulk-enables, rematches and shows a timeline", async () => {
    expect((await req("PATCH", "/api/endpoints/ep1", { enabled: false })).json().enabled).toBe(false);
    expect((await req("POST", "/api/endpoints/bulk-enable", { enabled: true, ids: ["ep1", "ep2"] })).json()).toEqual({ updated: 2 });
    expect((await req("POST", "/api/endpoints/rematch", {})).json().matched).toBe(80);
    expect((await req("GET", "/api/endpoints/ep1/timeline")).statusCode).toBe(200);
    expect((await req("GET", "/api/endpoints/nope/timeline")).statusCode).toBe(404);
    expect((await req("GET", "/api/events?limit=10")).statusCode).toBe(200);
  });
  it("serves the OpenAPI document as a browsable page for signed-in admins", async () => {
    const page = await req("GET", "/api/docs/", undefined, "cookie");
    expect(page.statusCode).toBe(200);
    expect(page.headers["content-type"]).toMatch(/text\/html/);
    expect(page.body).toMatch(/swagger-ui/i);
    const init = await req("GET", "/api/docs/static/swagger-initializer.js", undefined, "cookie");
    expect(init.statusCode).toBe(200);
    expect((await req("GET", "/api/docs/json", undefined, "cookie")).json().openapi).toMatch(/^3\./);
  });

  it("serves an OpenAPI document with every admin route", async () => {
    const doc = (await req("GET", "/api/openapi.json")).json();
    expect(doc.openapi).toMatch(/^3\./);
    for (const p of ["/api/connectors", "/api/connectors/{id}/test", "/api/teams", "/api/endpoints", "/api/events/stream"]) {
      expect(Object.keys(doc.paths)).toContain(p);
    }
  });
});

describe("metrics behind auth when configured", () => {
  it("requires auth for /metrics with metricsAuth", async () => {
    const secured = await buildApp({
      hub: createFakeHub({ users: 1 }),
      admin: { user: "admin", passwordHash: await hashPassword("pw") },
      apiToken: TOKEN,
      publicBaseUrl: "http://127.0.0.1:8080",
      metricsAuth: true,
    });
    expect((await secured.inject({ method: "GET", url: "/metrics" })).statusCode).toBe(401);
    const ok = await secured.inject({ method: "GET", url: "/metrics", headers: { authorization: `Bearer ${TOKEN}` } });
    expect(ok.statusCode).toBe(200);
    await secured.close();
  });
});

describe("Graph webhook", () => {
  it("is public and answers the validation handshake with the decoded token", async () => {
    const res = await app.inject({ method: "POST", url: "/graph/notify?validationToken=a%20b%2Bc", headers: { "content-type": "text/plain" } });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe("a b+c");
  });
  it("answers 503 while no Teams adapter runs", async () => {
    const res = await app.inject({ method: "POST", url: "/graph/notify", payload: { value: [] } });
    expect(res.statusCode).toBe(503);
  });
});
