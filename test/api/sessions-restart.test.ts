// Sessions are kept in the store: a restart (a new app on the same store) keeps admins logged in, but a new
// configured admin password ends the sessions opened with the old one (they are not checked against a
// stored account, so the session remembers which password hash it was opened with).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildApp } from "../../server/app.js";
import { hashPassword } from "../../server/auth/password.js";
import { MemorySessionBackend } from "../../server/auth/sessions.js";
import { loadConfig } from "../../server/config.js";
import { runHub } from "../../server/run-hub.js";
import { createFakeHub } from "./fake-hub.js";

async function app(passwordHash: string, sessions: MemorySessionBackend) {
  return buildApp({
    hub: createFakeHub(),
    admin: { user: "admin", passwordHash },
    publicBaseUrl: "http://127.0.0.1:8080",
    sessions,
  });
}

describe("admin sessions across restarts", () => {
  it("survive a restart with the same password and end with a new one", async () => {
    const store = new MemorySessionBackend();
    const first = await hashPassword("first-admin-password");
    const a = await app(first, store);
    const login = await a.inject({
      method: "POST",
      url: "/api/auth/login",
      payload: { username: "admin", password: "first-admin-password" },
    });
    expect(login.statusCode).toBe(200);
    const cookie = String(login.headers["set-cookie"]).split(";")[0] as string;
    await a.close();

    const same = await app(first, store);
    expect((await same.inject({ url: "/api/auth/session", headers: { cookie } })).statusCode).toBe(200);
    await same.close();

    const changed = await app(await hashPassword("second-admin-password"), store);
    expect((await changed.inject({ url: "/api/auth/session", headers: { cookie } })).statusCode).toBe(401);
    await changed.close();
    // Ended for good: the old password's session does not come back with the old hash either.
    const back = await app(first, store);
    expect((await back.inject({ url: "/api/auth/session", headers: { cookie } })).statusCode).toBe(401);
    await back.close();
  });
});

describe("the configured admin's sessions with PRESENCE_HUB_ADMIN_PASSWORD (hashed anew on every start)", () => {
  it("survive a restart with the same password and end with a new one", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ph-sessions-"));
    const start = (password: string) =>
      runHub(
        loadConfig({
          env: { PRESENCE_HUB_DATA_DIR: dir, PRESENCE_HUB_PORT: "0", PRESENCE_HUB_ADMIN_PASSWORD: password },
        }),
      );
    const session = (url: string, cookie: string) =>
      fetch(`${url}/api/auth/session`, { headers: { cookie } }).then((r) => r.status);
    try {
      let hub = await start("first-admin-password");
      const login = await fetch(`${hub.url}/api/auth/login`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ username: "admin", password: "first-admin-password" }),
      });
      const cookie = (login.headers.get("set-cookie") ?? "").split(";")[0] as string;
      expect(await session(hub.url, cookie)).toBe(200);
      await hub.close();
      hub = await start("first-admin-password");
      expect(await session(hub.url, cookie)).toBe(200);
      await hub.close();
      hub = await start("second-admin-password");
      expect(await session(hub.url, cookie)).toBe(401);
      await hub.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
