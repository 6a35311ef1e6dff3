// Resolves the admin login: a password (or hash) from the configuration, else the hash stored in the data
// directory, else a freshly generated password whose hash is stored (0600) and which is returned once so the
// caller can print it. The plain password is never written to disk or to the log. A hash from the data
// directory can be replaced (rehash with current scrypt parameters); one from the configuration cannot.
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { HubConfig } from "../config.js";
import { generatePassword, hashPassword } from "./password.js";

export interface AdminCredentials {
  user: string;
  passwordHash: string;
  /** Set only on the run that generated the password: print it once, then forget it. */
  generatedPassword?: string;
  /** Where the password comes from, for the startup banner. */
  source: "config" | "data-dir" | "generated";
  /** Replaces the stored hash (data-dir and generated only: the hub never rewrites its configuration). */
  updatePasswordHash?: (hash: string) => Promise<void>;
}

/** Write the credentials file owner-only, atomically (a crash mid-write must not lose the admin login). */
function writeCredentials(file: string, user: string, passwordHash: string): void {
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, `${JSON.stringify({ user, passwordHash }, null, 2)}\n`, { mode: 0o600 });
  chmodSync(tmp, 0o600); // an existing tmp file keeps its old mode
  renameSync(tmp, file);
}

export const CREDENTIALS_FILE = "admin-credentials.json";

export async function resolveAdminCredentials(
  config: Pick<HubConfig, "adminUser" | "adminPassword" | "adminPasswordHash" | "dataDir">,
): Promise<AdminCredentials> {
  const user = config.adminUser;
  if (config.adminPasswordHash) return { user, passwordHash: config.adminPasswordHash, source: "config" };
  if (config.adminPassword) return { user, passwordHash: await hashPassword(config.adminPassword), source: "config" };
  const file = join(config.dataDir, CREDENTIALS_FILE);
  const updatePasswordHash = async (hash: string) => writeCredentials(file, user, hash);
  if (existsSync(file)) {
    // Tighten a file an older version or an operator left readable: the hash allows offline guessing.
    if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
    const stored = JSON.parse(readFileSync(file, "utf8")) as { user?: string; passwordHash?: string };
    if (stored.passwordHash && stored.user === user) {
      return { user, passwordHash: stored.passwordHash, source: "data-dir", updatePasswordHash };
    }
  }
  const generatedPassword = generatePassword();
  const passwordHash = await hashPassword(generatedPassword);
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  writeCredentials(file, user, passwordHash);
  return { user, passwordHash, generatedPassword, source: "generated", updatePasswordHash };
}
