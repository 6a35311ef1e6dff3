// Issue 12 item 5d: everything secret in the data directory is owner-only — hub.db and its -wal/-shm files,
// secret.key and the admin credentials 0600, the data directory 0700 when the hub creates it — also when an
// older hub left them group/world-readable.
import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { CREDENTIALS_FILE, resolveAdminCredentials } from "../../server/auth/credentials.js";
import { openSqliteStore, type SqliteStore } from "../../server/store/sqlite.js";

const mode = (p: string) => statSync(p).mode & 0o777;
let root: string;
let store: SqliteStore | undefined;

afterEach(() => {
  store?.close();
  store = undefined;
  rmSync(root, { recursive: true, force: true });
});

function write(s: SqliteStore) {
  // some writes, so that the WAL and the shared-memory file exist
  void s.write((w) => {
    w.setSecret("connector/a/password", "pw");
    w.setSecret("connector/b/password", "pw2");
  });
}

describe("data directory permissions", () => {
  it("a fresh data directory is 0700 and hub.db, -wal, -shm, secret.key are 0600", async () => {
    root = mkdtempSync(join(tmpdir(), "ph-modes-"));
    const dataDir = join(root, "nested", "data");
    store = openSqliteStore({ dataDir });
    write(store);
    expect(mode(dataDir)).toBe(0o700);
    for (const f of ["hub.db", "hub.db-wal", "hub.db-shm", "secret.key"]) expect(mode(join(dataDir, f)), f).toBe(0o600);
    store.close();
    store = undefined;
    await resolveAdminCredentials({ adminUser: "admin", dataDir });
    expect(mode(join(dataDir, CREDENTIALS_FILE))).toBe(0o600);
  });

  it("credentials alone create the data directory 0700", async () => {
    root = mkdtempSync(join(tmpdir(), "ph-modes-"));
    const dataDir = join(root, "only-credentials");
    await resolveAdminCredentials({ adminUser: "admin", dataDir });
    expect(mode(dataDir)).toBe(0o700);
  });

  it("tightens files an older hub left readable (0644)", () => {
    root = mkdtempSync(join(tmpdir(), "ph-modes-"));
    store = openSqliteStore({ dataDir: root });
    write(store);
    store.close();
    store = undefined;
    for (const f of ["hub.db", "secret.key"]) chmodSync(join(root, f), 0o644);
    writeFileSync(join(root, "hub.db-wal"), "", { mode: 0o644 });
    chmodSync(join(root, "hub.db-wal"), 0o644);
    store = openSqliteStore({ dataDir: root });
    write(store);
    for (const f of ["hub.db", "hub.db-wal", "hub.db-shm", "secret.key"]) expect(mode(join(root, f)), f).toBe(0o600);
  });

  it("tightens a readable admin-credentials.json", async () => {
    root = mkdtempSync(join(tmpdir(), "ph-modes-"));
    await resolveAdminCredentials({ adminUser: "admin", dataDir: root });
    chmodSync(join(root, CREDENTIALS_FILE), 0o644);
    const again = await resolveAdminCredentials({ adminUser: "admin", dataDir: root });
    expect(again.source).toBe("data-dir");
    expect(mode(join(root, CREDENTIALS_FILE))).toBe(0o600);
  });
});
