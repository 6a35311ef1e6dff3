// Issue 12 item 2: the failed-login limit must hold under concurrency. Attempts are counted before the
// password is hashed and at most two run at a time per address, so N parallel wrong logins yield at most
// maxFailedLogins 401s and 429 (with Retry-After) for the rest; other addresses are unaffected.
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { buildApp } from "../../server/app.js";
import { hashPassword } from "../../server/auth/password.js";
import { SnapshotRateLimitStore } from "../../server/auth/request-limit-store.js";
import { createFakeHub } from "./fake-hub.js";

const PASSWORD = "correct horse";
let hash: string | undefined;
let app: FastifyInstance | undefined;

async function makeApp(over: Partial<Parameters<typeof buildApp>[0]> = {}): Promise<FastifyInstance> {
  hash ??= await hashPassword(PASSWORD);
  app = await buildApp({
    hub: createFakeHub(),
    admin: { user: "admin", passwordHash: hash },
    publicBaseUrl: "http://127.0.0.1:8080",
    maxFailedLogins: 3,
    ...over,
  });
  return app;
}
afterEach(async () => {
  await app?.close();
  app = undefined;
});

function login(a: FastifyInstance, ip: string, password = "wrong"): Promise<LightMyRequestResponse> {
  return a.inject({ method: "POST", url: "/api/auth/login", remoteAddress: ip, payload: { username: "admin", password } });
}

function tally(results: LightMyRequestResponse[]): Record<number, number> {
  const t: Record<number, number> = {};
  for (const r of results) t[r.statusCode] = (t[r.statusCode] ?? 0) + 1;
  return t;
}

describe("failed-login limit under concurrency", () => {
  it("40 concurrent wrong logins: at most maxFailedLogins are checked (401), the rest get 429 + Retry-After", async () => {
    const a = await makeApp();
    const results = await Promise.all(Array.from({ length: 40 }, () => login(a, "10.1.1.1")));
    const t = tally(results);
    expect(t[401] ?? 0).toBeGreaterThan(0);
    expect(t[401] ?? 0).toBeLessThanOrEqual(3);
    expect((t[401] ?? 0) + (t[429] ?? 0)).toBe(40);
    for (const r of results.filter((x) => x.statusCode === 429)) {
      expect(Number(r.headers["retry-after"])).toBeGreaterThan(0);
      expect(r.json().code).toBe("THROTTLED");
    }
    // The budget is spent for the window: the attempts counted up front stay counted.
    let more401 = 0;
    for (let i = 0; i < 5; i++) if ((await login(a, "10.1.1.1")).statusCode === 401) more401++;
    expect((t[401] ?? 0) + more401).toBeLessThanOrEqual(3);
    // Another address logs in at once.
    expect((await login(a, "10.1.1.2", PASSWORD)).statusCode).toBe(200);
  });

  it("300 concurrent wrong logins: still at most maxFailedLogins 401s; a correct login elsewhere is not slowed", async () => {
    const a = await makeApp();
    const flood = Promise.all(Array.from({ length: 300 }, () => login(a, "10.2.2.2")));
    const started = Date.now();
    const good = await login(a, "10.2.2.3", PASSWORD);
    const goodMs = Date.now() - started;
    const t = tally(await flood);
    expect(good.statusCode).toBe(200);
    expect(t[401] ?? 0).toBeLessThanOrEqual(3);
    expect(t[429]).toBe(300 - (t[401] ?? 0));
    // Only two wrong attempts hash at a time, so the good login waits for at most about two hashes.
    expect(goodMs).toBeLessThan(10_000);
  });

  it("a correct login while wrong attempts from the same address are in flight succeeds and clears the count", async () => {
    const a = await makeApp();
    const wrong = login(a, "10.3.3.3");
    const right = login(a, "10.3.3.3", PASSWORD);
    expect((await right).statusCode).toBe(200);
    expect((await wrong).statusCode).toBe(401);
    // the success cleared the failures: a full budget again
    for (let i = 0; i < 3; i++) expect((await login(a, "10.3.3.3")).statusCode).toBe(401);
    expect((await login(a, "10.3.3.3")).statusCode).toBe(429);
  });

  it("a coarse per-address request limit (@fastify/rate-limit) covers the login route", async () => {
    const a = await makeApp({ maxFailedLogins: 1000, loginRequestsPerMinute: 5 });
    const codes: number[] = [];
    for (let i = 0; i < 7; i++) codes.push((await login(a, "10.4.4.4")).statusCode);
    expect(codes.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    const limited = await login(a, "10.4.4.4");
    expect(limited.statusCode).toBe(429);
    expect(limited.json().code).toBe("THROTTLED");
    expect(Number(limited.headers["retry-after"])).toBeGreaterThan(0);
    expect((await login(a, "10.4.4.5", PASSWORD)).statusCode).toBe(200);
  });

  it("the request-limit store gives each caller its own count (a burst below max is not rejected as a whole)", () => {
    const store = new SnapshotRateLimitStore();
    const seen: number[] = [];
    const results: { current: number; ttl: number }[] = [];
    for (let i = 0; i < 5; i++) store.incr("k", (_e, r) => r && results.push(r), 60_000);
    for (const r of results) seen.push(r.current); // read after the whole burst, as the plugin does
    expect(seen).toEqual([1, 2, 3, 4, 5]);
    expect(results[0].ttl).toBeGreaterThan(59_000);
  });
});
