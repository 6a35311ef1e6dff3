// Admin accounts over HTTP with a real hub (issue 10 item 4): logins of stored accounts next to the
// configured admin, the session's identity (user, via, role, tenant, userId), the own password change,
// the users API (built-in configured admin, self-protection, validation), and sessions that end when
// their account is disabled, deleted, given another role or tenant, reset by an admin or its tenant goes.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../../server/app.js";
import { hashPassword } from "../../server/auth/password.js";
import { createFakeHub } from "./fake-hub.js";
import { A, B, PASSWORDS, ROOT, type TenantWorld, openTenantWorld } from "./tenant-world.js";

let w: TenantWorld;
let root: string;

beforeAll(async () => {
  w = await openTenantWorld();
  root = await w.login(ROOT.user, ROOT.password);
}, 60_000);
afterAll(async () => {
  await w?.close();
});

const login = (username: string, password: string, remoteAddress = "127.0.0.1") =>
  w.app.inject({ method: "POST", url: "/api/auth/login", remoteAddress, payload: { username, password } });
const cookieOf = (res: { headers: Record<string, unknown> }) => String(res.headers["set-cookie"]).split(";")[0];

describe("logins", () => {
  it("a stored tenant admin logs in; the session says who, which role and tenant", async () => {
    const res = await login("beta-admin", PASSWORDS.betaAdmin);
    expect(res.statusCode).toBe(200);
    const identity = { user: "beta-admin", via: "session", role: "tenant-admin", tenant: B.id, userId: w.beta.admin.id };
    expect(res.json()).toEqual(identity);
    expect((await w.call(cookieOf(res), "GET", "/api/auth/session")).json()).toEqual(identity);
  });

  it("the configured admin, a stored admin and the API token are admins without a tenant", async () => {
    expect((await w.call(root, "GET", "/api/auth/session")).json()).toEqual({ user: ROOT.user, via: "session", role: "admin", tenant: null });
    const second = await login("second-admin", PASSWORDS.admin2);
    expect(second.json()).toEqual({ user: "second-admin", via: "session", role: "admin", tenant: null, userId: w.admin2.id });
    expect((await w.call("token", "GET", "/api/auth/session")).json()).toEqual({ user: "api-token", via: "token", role: "admin", tenant: null });
  });

  it("user names are case-insensitive; wrong passwords, unknown and disabled accounts get the same 401", async () => {
    expect((await login("BETA-ADMIN", PASSWORDS.betaAdmin)).statusCode).toBe(200);
    const wrong = await login("beta-admin", "not-the-password", "10.0.0.1");
    const unknown = await login("nobody-here", "not-the-password", "10.0.0.1");
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect(unknown.json()).toEqual(wrong.json());
    const temp = (await w.call(root, "POST", "/api/users", { username: "temp-disabled", password: "temp-passphrase-1", role: "admin" })).json();
    await w.call(root, "PATCH", `/api/users/${temp.id}`, { disabled: true });
    const disabled = await login("temp-disabled", "temp-passphrase-1", "10.0.0.1");
    expect(disabled.statusCode).toBe(401);
    expect(disabled.json()).toEqual(wrong.json());
    await w.call(root, "DELETE", `/api/users/${temp.id}`);
  });

  it("stored accounts count against the failed-login limit of the address, together with the configured admin", async () => {
    // The fake hub (plain-text passwords) keeps this cheap; the limiter is the auth layer's, hub-independent.
    const hub = createFakeHub({ users: 1 });
    await hub.tenants.create({ id: "t1", name: "T1" });
    await hub.users.create({ username: "t1-admin", password: "t1-admin-passphrase", role: "tenant-admin", tenant: "t1" });
    const app = await buildApp({
      hub,
      admin: { user: "admin", passwordHash: await hashPassword("admin-pw") },
      publicBaseUrl: "http://127.0.0.1",
      maxFailedLogins: 3,
    });
    try {
      const attempt = (username: string, password: string) =>
        app.inject({ method: "POST", url: "/api/auth/login", remoteAddress: "10.7.7.7", payload: { username, password } });
      expect((await attempt("t1-admin", "wrong")).statusCode).toBe(401);
      expect((await attempt("admin", "wrong")).statusCode).toBe(401);
      expect((await attempt("t1-admin", "wrong")).statusCode).toBe(401);
      const limited = await attempt("t1-admin", "t1-admin-passphrase");
      expect(limited.statusCode).toBe(429);
      expect(limited.headers["retry-after"]).toBeDefined();
      // the own password change counts on the same budget
      const ok = await app.inject({ method: "POST", url: "/api/auth/login", remoteAddress: "10.7.7.8", payload: { username: "t1-admin", password: "t1-admin-passphrase" } });
      expect(ok.json()).toMatchObject({ role: "tenant-admin", tenant: "t1" });
      const cookie = cookieOf(ok);
      const change = (currentPassword: string) =>
        app.inject({ method: "POST", url: "/api/auth/password", remoteAddress: "10.7.7.8", headers: { cookie }, payload: { currentPassword, newPassword: "a-new-passphrase-1" } });
      for (let i = 0; i < 3; i++) expect((await change("wrong")).statusCode).toBe(401);
      expect((await change("t1-admin-passphrase")).statusCode).toBe(429);
    } finally {
      await app.close();
    }
  });
});

describe("own password", () => {
  it("a stored account changes it with the current one; other sessions end, this one stays", async () => {
    const first = cookieOf(await login("qxalpha-admin", PASSWORDS.alphaAdmin));
    const other = cookieOf(await login("qxalpha-admin", PASSWORDS.alphaAdmin));
    const wrong = await w.call(first, "POST", "/api/auth/password", { currentPassword: "not-it", newPassword: "a-new-passphrase-1" });
    expect(wrong.statusCode).toBe(401);
    // A wrong current password does not end the session.
    expect((await w.call(first, "GET", "/api/auth/session")).statusCode).toBe(200);
    const weak = await w.call(first, "POST", "/api/auth/password", { currentPassword: PASSWORDS.alphaAdmin, newPassword: "short" });
    expect(weak.statusCode).toBe(400);
    const ok = await w.call(first, "POST", "/api/auth/password", { currentPassword: PASSWORDS.alphaAdmin, newPassword: "a-new-passphrase-1" });
    expect(ok.statusCode).toBe(204);
    expect((await w.call(first, "GET", "/api/auth/session")).statusCode).toBe(200);
    expect((await w.call(other, "GET", "/api/auth/session")).statusCode).toBe(401);
    expect((await login("qxalpha-admin", PASSWORDS.alphaAdmin)).statusCode).toBe(401);
    expect((await login("qxalpha-admin", "a-new-passphrase-1")).statusCode).toBe(200);
    // back, through an admin's reset
    expect((await w.call(root, "PATCH", `/api/users/${w.alpha.admin.id}`, { password: PASSWORDS.alphaAdmin })).statusCode).toBe(200);
    // the reset ended the account's sessions
    expect((await w.call(first, "GET", "/api/auth/session")).statusCode).toBe(401);
  });

  it("the configured admin and the API token have none to change here (409)", async () => {
    const configured = await w.call(root, "POST", "/api/auth/password", { currentPassword: ROOT.password, newPassword: "another-passphrase" });
    expect(configured.statusCode).toBe(409);
    expect(configured.json().message).toMatch(/configuration/);
    const token = await w.call("token", "POST", "/api/auth/password", { currentPassword: "x", newPassword: "another-passphrase" });
    expect(token.statusCode).toBe(409);
    expect((await login(ROOT.user, ROOT.password)).statusCode).toBe(200);
  });
});

describe("users API", () => {
  it("lists the configured admin first, built in and unchangeable", async () => {
    const list = (await w.call(root, "GET", "/api/users")).json();
    expect(list[0]).toEqual({
      id: "builtin-admin",
      username: ROOT.user,
      role: "admin",
      tenant: null,
      disabled: false,
      builtIn: true,
      createdAt: null,
      updatedAt: null,
    });
    expect(list.map((u: { username: string }) => u.username)).toEqual(expect.arrayContaining(["beta-admin", "qxalpha-admin", "second-admin"]));
    expect(JSON.stringify(list)).not.toMatch(/passwordHash|scrypt\$/);
    expect((await w.call(root, "GET", "/api/users/builtin-admin")).json().builtIn).toBe(true);
    expect((await w.call(root, "PATCH", "/api/users/builtin-admin", { disabled: true })).statusCode).toBe(409);
    expect((await w.call(root, "DELETE", "/api/users/builtin-admin")).statusCode).toBe(409);
    expect((await w.call(root, "GET", "/api/users/u_nope")).statusCode).toBe(404);
  });

  it("validates: unique names (never the configured admin's), 12+ characters, a tenant admin needs an existing tenant", async () => {
    const create = (body: object) => w.call(root, "POST", "/api/users", body);
    expect((await create({ username: ROOT.user.toUpperCase(), password: "long-enough-pass", role: "admin" })).statusCode).toBe(409);
    expect((await create({ username: "Beta-Admin", password: "long-enough-pass", role: "admin" })).statusCode).toBe(409);
    expect((await create({ username: "shorty", password: "short", role: "admin" })).statusCode).toBe(400);
    expect((await create({ username: "no-tenant", password: "long-enough-pass", role: "tenant-admin" })).statusCode).toBe(400);
    expect((await create({ username: "ghost-tenant", password: "long-enough-pass", role: "tenant-admin", tenant: "nope" })).statusCode).toBe(404);
    expect((await create({ username: "admin-with-tenant", password: "long-enough-pass", role: "admin", tenant: A.id })).statusCode).toBe(400);
    expect((await create({ username: "has space", password: "long-enough-pass", role: "admin" })).statusCode).toBe(400);
  });

  it("nobody disables, deletes, demotes or resets themselves through it (409)", async () => {
    const me = cookieOf(await login("second-admin", PASSWORDS.admin2));
    const id = w.admin2.id;
    expect((await w.call(me, "PATCH", `/api/users/${id}`, { disabled: true })).statusCode).toBe(409);
    expect((await w.call(me, "DELETE", `/api/users/${id}`)).statusCode).toBe(409);
    expect((await w.call(me, "PATCH", `/api/users/${id}`, { role: "tenant-admin", tenant: A.id })).statusCode).toBe(409);
    expect((await w.call(me, "PATCH", `/api/users/${id}`, { password: "self-reset-passphrase" })).statusCode).toBe(409);
    // …but changes to others work, and a no-op on oneself is fine
    expect((await w.call(me, "PATCH", `/api/users/${id}`, { disabled: false, role: "admin" })).statusCode).toBe(200);
    expect((await w.call(me, "GET", "/api/auth/session")).statusCode).toBe(200);
  });
});

describe("sessions end when the account changes", () => {
  const fresh = async (tenant = B.id) => {
    const name = `victim-${Math.random().toString(36).slice(2, 8)}`;
    const u = (await w.call(root, "POST", "/api/users", { username: name, password: "victim-passphrase", role: "tenant-admin", tenant })).json();
    const cookie = cookieOf(await login(name, "victim-passphrase"));
    expect((await w.call(cookie, "GET", "/api/connectors")).statusCode).toBe(200);
    return { id: u.id as string, cookie };
  };

  it("deleted → 401", async () => {
    const v = await fresh();
    expect((await w.call(root, "DELETE", `/api/users/${v.id}`)).statusCode).toBe(204);
    expect((await w.call(v.cookie, "GET", "/api/connectors")).statusCode).toBe(401);
  });

  it("role or tenant changed → 401 (the new powers need a new login)", async () => {
    const v = await fresh();
    expect((await w.call(root, "PATCH", `/api/users/${v.id}`, { role: "admin", tenant: null })).statusCode).toBe(200);
    expect((await w.call(v.cookie, "GET", "/api/connectors")).statusCode).toBe(401);
    const v2 = await fresh();
    expect((await w.call(root, "PATCH", `/api/users/${v2.id}`, { tenant: A.id })).statusCode).toBe(200);
    expect((await w.call(v2.cookie, "GET", "/api/connectors")).statusCode).toBe(401);
  });

  it("its tenant deleted → the account goes with it → 401", async () => {
    const t = (await w.call(root, "POST", "/api/tenants", { name: "Short-lived" })).json();
    const v = await fresh(t.id);
    expect((await w.call(root, "DELETE", `/api/tenants/${t.id}`)).statusCode).toBe(204);
    expect((await w.call(v.cookie, "GET", "/api/connectors")).statusCode).toBe(401);
  });
});
