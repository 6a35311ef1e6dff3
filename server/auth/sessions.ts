// Admin sessions, kept in the store (so a restart, or another instance, keeps admins logged in) and looked
// up by the SHA-256 of their id: the cookie carries the random id itself, the database only its hash, so a
// copy of the database holds no usable session. A session remembers who logged in (name, role, tenant and,
// for stored accounts, the account id) so each request can compare that with the stored account and end
// the session when the account was disabled, deleted or given another role or tenant.
import { createHash, createHmac, randomBytes } from "node:crypto";
import type { AdminRole } from "../hub/types.js";
import type { HubStore, StoredSession } from "../store/types.js";

export const SESSION_COOKIE = "ph_session";

/** Who a session (or the API token) acts as. */
export interface Principal {
  username: string;
  role: AdminRole;
  /** The tenant of a tenant admin; null for admins. */
  tenant: string | null;
  /** The stored account; absent for the configured admin. */
  userId?: string;
  /**
   * The configured admin's: which password hash it logged in with (credentialOf). A new password in the
   * configuration ends the sessions of the old one, also those kept in the store across restarts.
   */
  credential?: string;
}

/**
 * A stand-in for the configured admin's password (or hash) that tells them apart and reveals nothing of
 * them: keyed with the store's secret key where there is one (then a plain password may be its material).
 */
export function credentialOf(material: string, key?: Buffer): string {
  const label = `presence-hub session credential\0${material}`;
  const digest = key ? createHmac("sha256", key).update(label) : createHash("sha256").update(label);
  return digest.digest("base64url").slice(0, 22);
}

export interface Session extends Principal {
  id: string;
  createdAt: number;
  expiresAt: number;
}

/** Where sessions are kept: the hub's store, or memory (an API served without a store, e.g. in tests). */
export type SessionBackend = Pick<HubStore, "getSession" | "putSession" | "deleteSessions">;

export class MemorySessionBackend implements SessionBackend {
  private readonly rows = new Map<string, StoredSession>();
  async getSession(idHash: string) {
    return this.rows.get(idHash);
  }
  async putSession(s: StoredSession) {
    this.rows.set(s.idHash, s);
  }
  async deleteSessions(which: { idHash: string } | { userId: string; keep?: string } | { expiredAt: number }) {
    let n = 0;
    for (const [k, s] of this.rows) {
      const hit =
        "idHash" in which
          ? k === which.idHash
          : "userId" in which
            ? s.userId === which.userId && k !== which.keep
            : s.expiresAt <= which.expiredAt;
      if (hit && this.rows.delete(k)) n++;
    }
    return n;
  }
}

const hashOf = (id: string) => createHash("sha256").update(id).digest("base64url");

/** How often expired sessions are swept (on the next login after this long). */
const SWEEP_MS = 10 * 60_000;

export class SessionStore {
  private lastSweep = 0;

  constructor(
    private readonly backend: SessionBackend,
    private readonly ttlMs: number,
  ) {}

  async create(principal: Principal, now = Date.now()): Promise<Session> {
    if (now - this.lastSweep > SWEEP_MS) {
      this.lastSweep = now;
      await this.backend.deleteSessions({ expiredAt: now }).catch(() => 0);
    }
    const s: Session = { ...principal, id: randomBytes(32).toString("base64url"), createdAt: now, expiresAt: now + this.ttlMs };
    await this.backend.putSession({
      idHash: hashOf(s.id),
      ...(principal.userId ? { userId: principal.userId } : {}),
      principal: { ...principal },
      createdAt: s.createdAt,
      expiresAt: s.expiresAt,
    });
    return s;
  }

  async get(id: string, now = Date.now()): Promise<Session | undefined> {
    const row = await this.backend.getSession(hashOf(id));
    if (!row) return undefined;
    if (row.expiresAt <= now) {
      await this.backend.deleteSessions({ idHash: row.idHash });
      return undefined;
    }
    const p = row.principal as unknown as Principal;
    return {
      username: p.username,
      role: p.role,
      tenant: p.tenant ?? null,
      ...(p.userId ? { userId: p.userId } : {}),
      ...(p.credential ? { credential: p.credential } : {}),
      id,
      createdAt: row.createdAt,
      expiresAt: row.expiresAt,
    };
  }

  async delete(id: string): Promise<void> {
    await this.backend.deleteSessions({ idHash: hashOf(id) });
  }

  /** Ends every session of a stored account (password reset, deletion), except `keep` (the caller's own). */
  async deleteForUser(userId: string, keep?: string): Promise<number> {
    return this.backend.deleteSessions({ userId, ...(keep ? { keep: hashOf(keep) } : {}) });
  }
}
