// Issue 12 item 5, HTTP side: the OAuth callback's code/state never reach the access log (a); trustProxy
// only for explicit proxies, `true` still works but warns (c); scrypt at OWASP parameters with a transparent
// rehash of older hashes on login, or one log line when the hash comes from the configuration (e).
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import type { FastifyInstance } from "fastify";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { buildApp, type BuildAppOptions, redactUrl } from "../../server/app.js";
import { CREDENTIALS_FILE } from "../../server/auth/credentials.js";
import { hashPassword, needsRehash, parseHash, SCRYPT_PARAMS, verifyPassword } from "../../server/auth/password.js";
import { runHub } from "../../server/cli/commands/start.js";
import { loadConfig } from "../../server/config.js";
import { createFakeHub } from "./fake-hub.js";

const OLD = { N: 16384, r: 8, p: 1 };
let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

function capture(): { lines: () => Record<string, unknown>[]; text: () => string; log: pino.Logger } {
  const out: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      out.push(String(chunk));
      cb();
    },
  });
  return {
    log: pino({ level: "info" }, stream),
    text: () => out.join(""),
    lines: () => out.join("").split("\n").filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

async function make(over: Partial<BuildAppOptions> & { passwordHash?: string } = {}): Promise<FastifyInstance> {
  const { passwordHash, ...rest } = over;
  app = await buildApp({
    hub: createFakeHub(),
    admin: { user: "admin", passwordHash: passwordHash ?? (await hashPassword("pw", OLD)) },
    publicBaseUrl: "http://127.0.0.1:8080",
    ...rest,
  });
  return app;
}

const login = (a: FastifyInstance, password: string, extra: { remoteAddress?: string; headers?: Record<string, string> } = {}) =>
  a.inject({ method: "POST", url: "/api/auth/login", payload: { username: "admin", password }, ...extra });

describe("access log (a)", () => {
  it("redacts code and state of the OAuth callback URL", async () => {
    const c = capture();
    const a = await make({ logger: c.log });
    const res = await a.inject({
      method: "GET",
      url: "/api/teams/service-accounts/callback?code=CODE-SECRET-4711&state=s1&session_state=SESSION-SECRET-9",
    });
    expect(res.statusCode).toBe(302);
    const text = c.text();
    expect(text).toContain("/api/teams/service-accounts/callback?");
    expect(text).not.toContain("CODE-SECRET-4711");
    expect(text).not.toContain("SESSION-SECRET-9");
    expect(text).not.toMatch(/state=s1\b/);
    const incoming = c.lines().find((l) => l.msg === "incoming request") as { req: { url: string } };
    expect(incoming.req.url).toBe(
      "/api/teams/service-accounts/callback?code=[redacted]&state=[redacted]&session_state=[redacted]",
    );
  });

  it("redactUrl keeps everything but the secret values", () => {
    expect(redactUrl("/api/health")).toBe("/api/health");
    expect(redactUrl("/x?a=1&Code=abc&state&b=%20")).toBe("/x?a=1&Code=[redacted]&state=[redacted]&b=%20");
    expect(redactUrl("/x?access%5Ftoken=t&id_token=j")).toBe("/x?access%5Ftoken=[redacted]&id_token=[redacted]");
  });
});

describe("trust proxy (c)", () => {
  it("accepts addresses and CIDRs, rejects anything else with CONFIG_INVALID", () => {
    expect(loadConfig({ env: { PRESENCE_HUB_TRUST_PROXY: "10.0.0.1, 10.0.1.0/24, ::1, loopback" } }).trustProxy).toEqual([
      "10.0.0.1",
      "10.0.1.0/24",
      "::1",
      "loopback",
    ]);
    for (const bad of ["proxy.example.com", "10.0.0.0/33", "2", "10.0.0.1,*"]) {
      expect(() => loadConfig({ env: { PRESENCE_HUB_TRUST_PROXY: bad } }), bad).toThrow(
        expect.objectContaining({ code: "CONFIG_INVALID" }),
      );
    }
  });

  it("`true` still works but logs a warning at start", async () => {
    const c = capture();
    const a = await make({ logger: c.log, trustProxy: true });
    const warn = c.lines().find((l) => l.level === 40 && String(l.msg).includes("PRESENCE_HUB_TRUST_PROXY"));
    expect(warn, c.text()).toBeDefined();
    const res = await a.inject({ method: "GET", url: "/api/health", headers: { "x-forwarded-for": "203.0.113.9" } });
    expect(res.statusCode).toBe(200);
  });

  it("with a list, only those proxies may set the client address (the login limit cannot be dodged)", async () => {
    const c = capture();
    const a = await make({ logger: c.log, trustProxy: ["10.0.0.1"], maxFailedLogins: 1 });
    expect(c.lines().some((l) => String(l.msg).includes("TRUST_PROXY"))).toBe(false);
    const spoof = (xff: string) => login(a, "x", { remoteAddress: "10.9.9.9", headers: { "x-forwarded-for": xff } });
    expect((await spoof("198.51.100.1")).statusCode).toBe(401);
    expect((await spoof("198.51.100.2")).statusCode).toBe(429); // X-Forwarded-For ignored: same client
    const viaProxy = (xff: string) => login(a, "x", { remoteAddress: "10.0.0.1", headers: { "x-forwarded-for": xff } });
    expect((await viaProxy("198.51.100.3")).statusCode).toBe(401);
    expect((await viaProxy("198.51.100.4")).statusCode).toBe(401); // a different client behind the proxy
  });
});

describe("scrypt parameters and rehash on login (e)", () => {
  it("new hashes use N=2^17, r=8, p=1", async () => {
    expect(SCRYPT_PARAMS).toEqual({ N: 131072, r: 8, p: 1 });
    const h = await hashPassword("pw");
    expect(parseHash(h)).toMatchObject({ N: 131072, r: 8, p: 1 });
    expect(needsRehash(h)).toBe(false);
    expect(await verifyPassword("pw", h)).toBe(true);
    expect(await verifyPassword("px", h)).toBe(false);
  });

  it("an older hash verifies with its own parameters and is replaced after a correct login", async () => {
    const old = await hashPassword("pw", OLD);
    expect(needsRehash(old)).toBe(true);
    const saved: string[] = [];
    const c = capture();
    app = await buildApp({
      hub: createFakeHub(),
      admin: { user: "admin", passwordHash: old, updatePasswordHash: async (h) => void saved.push(h) },
      publicBaseUrl: "http://127.0.0.1:8080",
      logger: c.log,
    });
    expect((await login(app, "wrong")).statusCode).toBe(401);
    expect(saved).toHaveLength(0); // never on a failed login
    expect((await login(app, "pw")).statusCode).toBe(200);
    expect(saved).toHaveLength(1);
    expect(parseHash(saved[0])).toMatchObject({ N: 131072, r: 8, p: 1 });
    expect(await verifyPassword("pw", saved[0])).toBe(true);
    expect((await login(app, "pw")).statusCode).toBe(200);
    expect(saved).toHaveLength(1); // the new hash is in use: no second rehash
    expect(c.text()).not.toContain(old.split("$")[5]);
    expect(c.text()).not.toContain(saved[0].split("$")[5]);
  });

  it("a configured hash the hub cannot rewrite is kept, and one log line says so", async () => {
    const c = capture();
    const old = await hashPassword("pw", OLD);
    const a = await make({ logger: c.log, passwordHash: old });
    expect((await login(a, "pw")).statusCode).toBe(200);
    expect((await login(a, "pw")).statusCode).toBe(200);
    const lines = c.lines().filter((l) => String(l.msg).includes("--hash-password"));
    expect(lines, c.text()).toHaveLength(1);
    expect(lines[0].level).toBe(40);
    expect(c.text()).not.toContain(old.split("$")[5]);
  });
});

describe("a configured hash with impossible parameters", () => {
  it("fails the login with 500 INTERNAL (cause in the log), not a 4xx blaming the client", async () => {
    const c = capture();
    const broken = `scrypt$3$8$1$${Buffer.from("salt").toString("base64url")}$${Buffer.alloc(32).toString("base64url")}`;
    const a = await make({ logger: c.log, passwordHash: broken });
    const res = await login(a, "pw");
    expect(res.statusCode).toBe(500);
    expect(res.json().code).toBe("INTERNAL");
    expect(c.text()).toContain("cannot be verified");
  });
});

describe("rehash through `presence-hub start` (e)", () => {
  it("a data-directory hash with older parameters is rewritten (0600) after a correct login", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "ph-rehash-"));
    const file = join(dataDir, CREDENTIALS_FILE);
    writeFileSync(file, JSON.stringify({ user: "admin", passwordHash: await hashPassword("pw", OLD) }), { mode: 0o600 });
    const running = await runHub(loadConfig({ env: {}, overrides: { dataDir, host: "127.0.0.1", port: 0 } }));
    try {
      expect(running.credentials.source).toBe("data-dir");
      const post = (password: string) =>
        fetch(`${running.url}/api/auth/login`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ username: "admin", password }),
        });
      expect((await post("nope")).status).toBe(401);
      expect(parseHash(JSON.parse(readFileSync(file, "utf8")).passwordHash)).toMatchObject({ N: 16384 });
      expect((await post("pw")).status).toBe(200);
      const stored = JSON.parse(readFileSync(file, "utf8")) as { user: string; passwordHash: string };
      expect(stored.user).toBe("admin");
      expect(parseHash(stored.passwordHash)).toMatchObject({ N: 131072, r: 8, p: 1 });
      expect(await verifyPassword("pw", stored.passwordHash)).toBe(true);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect((await post("pw")).status).toBe(200);
    } finally {
      await running.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
