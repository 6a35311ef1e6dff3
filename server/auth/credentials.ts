// Resolves the admin login: a password (or hash) from the configuration, else the hash stored in the data
// directory, else a freshly generated password whose hash is stored (0600) and which is returned once so the
// caller can print it. The plain password is never written to disk or to the log.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
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
}

export const CREDENTIALS_FILE = "admin-credentials.json";

export async function resolveAdminCredentials(
  config: Pick<HubConfig, "adminUser" | "adminPassword" | "adminPasswordHash" | "dataDir">,
): Promise<AdminCredentials> {
  const user = config.adminUser;
  if (config.adminPasswordHash) return { user, passwordHash: config.adminPasswordHash, source: "config" };
  if (config.adminPassword) return { user, passwordHash: await hashPassword(config.adminPassword), source: "config" };
  const file = join(config.dataDir, CREDENTIALS_FILE);
  if (existsSync(file)) {
    const stored = JSON.parse(readFileSync(file, "utf8")) as { user?: string; passwordHash?: string };
    if (stored.passwordHash && stored.user === user) return { user, passwordHash: stored.passwordHash, source: "data-dir" };
  }
  const generatedPassword = generatePassword();
  const passwordHash = await hashPassword(generatedPassword);
  mkdirSync(config.dataDir, { recursive: true });
  writeFileSync(file, `${JSON.stringify({ user, passwordHash }, null, 2)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return { user, passwordHash, generatedPassword, source: "generated" };
}
