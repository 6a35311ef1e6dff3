// Configuration (defaults ← file ← env ← flags, validation messages) and admin credentials (generated
// once, stored hashed with owner-only permissions, never in plain text).
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { CREDENTIALS_FILE, resolveAdminCredentials } from "../../server/auth/credentials.js";
import { FailedLoginLimiter } from "../../server/auth/limiter.js";
import { hashPassword, verifyPassword } from "../../server/auth/password.js";
import { loadConfig } from "../../server/config.js";

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), "ph-cfg-"));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe("loadConfig", () => {
  it("defaults to loopback:8080 and ./data", () => {
    const c = loadConfig({ env: {} });
    expect(c).toMatchObject({ host: "127.0.0.1", port: 8080, adminUser: "admin", metricsAuth: false, logLevel: "info" });
    expect(c.publicBaseUrl).toBe("http://127.0.0.1:8080");
    expect(c.dataDir.endsWith("/data")).toBe(true);
    expect(c.cookieSecure).toBe(false);
  });
  it("file < env < overrides", () => {
    const file = join(tmp(), "hub.json");
    writeFileSync(file, JSON.stringify({ port: 9000, host: "0.0.0.0", logLevel: "debug" }));
    const c = loadConfig({ file, env: { PRESENCE_HUB_PORT: "9100", PRESENCE_HUB_PUBLIC_URL: "https://hub.example.com/" }, overrides: { host: "127.0.0.2" } });
    expect(c).toMatchObject({ port: 9100, host: "127.0.0.2", logLevel: "debug", publicBaseUrl: "https://hub.example.com", cookieSecure: true });
  });
  it("parses trustProxy as boolean or address list", () => {
    expect(loadConfig({ env: {} }).trustProxy).toBe(false);
    expect(loadConfig({ env: { PRESENCE_HUB_TRUST_PROXY: "true" } }).trustProxy).toBe(true);
    expect(loadConfig({ env: { PRESENCE_HUB_TRUST_PROXY: "10.0.0.1, 10.0.1.0/24" } }).trustProxy).toEqual(["10.0.0.1", "10.0.1.0/24"]);
  });
  it("rejects bad values with the key in the message", () => {
    expect(() => loadConfig({ env: { PRESENCE_HUB_PORT: "http" } })).toThrow(/port/);
    expect(() => loadConfig({ env: { PRESENCE_HUB_METRICS_AUTH: "maybe" } })).toThrow(/metricsAuth/);
    expect(() => loadConfig({ env: { PRESENCE_HUB_API_TOKEN: "short" } })).toThrow(/apiToken/);
    const file = join(tmp(), "bad.json");
    writeFileSync(file, JSON.stringify({ prot: 1 }));
    expect(() => loadConfig({ file, env: {} })).toThrow(/unknown key "prot"/);
  });
});

describe("admin credentials", () => {
  it("generates a password once, stores only its hash (0600), reuses it", async () => {
    const dataDir = tmp();
    const first = await resolveAdminCredentials({ adminUser: "admin", dataDir });
    expect(first.source).toBe("generated");
    expect(first.generatedPassword).toMatch(/^[A-Za-z0-9]{20}$/);
    const file = join(dataDir, CREDENTIALS_FILE);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, "utf8")).not.toContain(first.generatedPassword as string);
    expect(await verifyPassword(first.generatedPassword as string, first.passwordHash)).toBe(true);
    const second = await resolveAdminCredentials({ adminUser: "admin", dataDir });
    expect(second).toMatchObject({ source: "data-dir", passwordHash: first.passwordHash });
    expect(second.generatedPassword).toBeUndefined();
  });
  it("a configured password or hash wins", async () => {
    const hash = await hashPassword("pw");
    expect((await resolveAdminCredentials({ adminUser: "a", dataDir: tmp(), adminPasswordHash: hash })).passwordHash).toBe(hash);
    const fromPw = await resolveAdminCredentials({ adminUser: "a", dataDir: tmp(), adminPassword: "pw2" });
    expect(await verifyPassword("pw2", fromPw.passwordHash)).toBe(true);
    expect(await verifyPassword("pw", fromPw.passwordHash)).toBe(false);
  });
});

describe("failed-login limiter", () => {
  it("blocks after N failures in the window and recovers after it", () => {
    const l = new FailedLoginLimiter(2, 1000);
    const fail = (now: number) => {
      const a = l.begin("a", now);
      if (!("attempt" in a)) throw new Error("not admitted");
      l.fail(a.attempt);
    };
    fail(0);
    expect(l.retryAfter("a", 10)).toBe(0);
    fail(10);
    expect(l.retryAfter("a", 20)).toBe(1);
    expect(l.begin("a", 20)).toEqual({ retryAfterSeconds: 1, reason: "failures" });
    expect(l.retryAfter("a", 1011)).toBe(0);
  });
  it("counts an attempt before it is checked and caps attempts in flight per address", () => {
    const l = new FailedLoginLimiter(5, 60_000, 2);
    const a1 = l.begin("a", 0);
    const a2 = l.begin("a", 0);
    expect("attempt" in a1 && "attempt" in a2).toBe(true);
    expect(l.begin("a", 0)).toEqual({ retryAfterSeconds: 1, reason: "in-flight" }); // two in flight
    expect("attempt" in l.begin("b", 0)).toBe(true); // other addresses are independent
    if ("attempt" in a1) l.fail(a1.attempt);
    const a3 = l.begin("a", 1);
    expect("attempt" in a3).toBe(true);
    if ("attempt" in a2) l.succeed(a2.attempt); // a correct login forgives every counted attempt
    if ("attempt" in a3) l.fail(a3.attempt);
    expect(l.retryAfter("a", 2)).toBe(0);
  });
});
