// Stored admin accounts (server/hub/users.ts): hashed, unique by name (case-insensitive, never the
// configured admin's), roles with their tenant rule, disable, delete, own password change.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { configureRootLogger } from "../../common/log.js";
import { EventLog } from "../../server/hub/events.js";
import { UserManager } from "../../server/hub/users.js";
import { openSqliteStore, type SqliteStore } from "../../server/store/sqlite.js";

let dir: string;
let store: SqliteStore;
let users: UserManager;
const log = configureRootLogger({ level: "silent" });

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "ph-users-"));
  store = openSqliteStore({ dataDir: dir });
  void store.write((w) => w.putTenant({ id: "acme", name: "Acme", createdAt: "x", updatedAt: "x" }));
  users = new UserManager({
    store,
    events: new EventLog(store, log, () => undefined),
    reservedUsername: "admin",
  });
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("admin accounts", () => {
  it("stores a hash, authenticates, and never returns the hash", async () => {
    const u = await users.create({ username: "ops", password: "correct horse battery", role: "admin" });
    expect(u).toMatchObject({
      username: "ops",
      role: "admin",
      tenant: null,
      disabled: false,
      builtIn: false,
    });
    expect(JSON.stringify(users.list())).not.toMatch(/scrypt|correct horse/);
    expect(store.getUser(u.id)?.passwordHash).toMatch(/^scrypt\$/);
    expect(await users.authenticate("OPS", "correct horse battery")).toMatchObject({ id: u.id });
    expect(await users.authenticate("ops", "wrong password here")).toBeUndefined();
  });

  it("tenant-admins need an existing tenant; admins have none; names are unique and not the configured admin's", async () => {
    await expect(
      users.create({ username: "a", password: "correct horse battery", role: "tenant-admin" }),
    ).rejects.toMatchObject({ code: "VALIDATION" });
    await expect(
      users.create({
        username: "a",
        password: "correct horse battery",
        role: "tenant-admin",
        tenant: "nope",
      }),
    ).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(
      users.create({ username: "a", password: "correct horse battery", role: "admin", tenant: "acme" }),
    ).rejects.toMatchObject({ code: "VALIDATION" });
    const ta = await users.create({
      username: "acme-admin",
      password: "correct horse battery",
      role: "tenant-admin",
      tenant: "acme",
    });
    expect(ta.tenant).toBe("acme");
    await expect(
      users.create({ username: "ACME-admin", password: "correct horse battery", role: "admin" }),
    ).rejects.toMatchObject({ code: "CONFLICT" });
    await expect(
      users.create({ username: "Admin", password: "correct horse battery", role: "admin" }),
    ).rejects.toMatchObject({ code: "CONFLICT" });
    await expect(
      users.create({ username: "short", password: "too short", role: "admin" }),
    ).rejects.toMatchObject({ code: "VALIDATION" });
  });

  it("a disabled account cannot log in; delete removes it; the own password changes only with the current one", async () => {
    const u = await users.create({ username: "ops", password: "correct horse battery", role: "admin" });
    await users.update(u.id, { disabled: true });
    expect(await users.authenticate("ops", "correct horse battery")).toBeUndefined();
    await users.update(u.id, { disabled: false });
    await expect(users.changePassword(u.id, "wrong one", "another fine passphrase")).rejects.toMatchObject({
      code: "UNAUTHORIZED",
    });
    await users.changePassword(u.id, "correct horse battery", "another fine passphrase");
    expect(await users.authenticate("ops", "another fine passphrase")).toBeDefined();
    await users.remove(u.id);
    expect(users.list()).toEqual([]);
  });
});
