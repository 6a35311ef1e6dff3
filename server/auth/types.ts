// The auth layer's shared types: who a request acts as, the plugin's options and the configured admin's
// password hash (kept apart so the plugin and its routes import them without importing each other).
import type { AdminRole, Hub } from "../hub/types.js";
import type { SessionBackend } from "./sessions.js";

/** Who a request acts as; GET /api/auth/session returns exactly this (the UI relies on the names). */
export interface AuthIdentity {
  user: string;
  via: "session" | "token";
  role: AdminRole;
  /** The tenant of a tenant admin; null for admins. */
  tenant: string | null;
  /** The stored account; absent for the configured admin and the API token. */
  userId?: string;
}

export interface AuthOptions {
  /** The hub: its stored accounts log in, and each request gets it scoped to its identity. */
  hub: Hub;
  adminUser: string;
  passwordHash: string;
  /**
   * Stores a new hash where the current one came from (the data directory). When set, a hash with older
   * scrypt parameters is replaced after the next correct login; when absent, the hash is kept and logged once.
   */
  updatePasswordHash?: (hash: string) => Promise<void>;
  /**
   * What the configured admin's sessions are bound to (credentialOf): the same for the same password on
   * every instance and across restarts, another after a password change. Default: from passwordHash.
   */
  credential?: string;
  apiToken?: string;
  cookieSecure: boolean;
  sessionTtlMinutes: number;
  /** Where sessions are kept (the hub's store); default memory. */
  sessions?: SessionBackend;
  /** Failed logins allowed per address and window (default 5 per 15 minutes). */
  maxFailedLogins?: number;
  failedLoginWindowMs?: number;
  /** Login requests (right or wrong) per address and minute, before any password check (default 30). */
  loginRequestsPerMinute?: number;
}

/** The configured admin's password hash, replaced after a correct login when it has older parameters. */
export interface ConfiguredAdminHash {
  current(): string;
  /** After a correct login: replace a hash with older parameters (once, also with parallel logins). */
  rehash(password: string): Promise<void>;
}

