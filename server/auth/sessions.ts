// In-memory admin sessions keyed by a random id (the signed cookie carries only the id). Logging out or
// restarting the process ends every session. A session remembers who logged in (name, role, tenant and,
// for stored accounts, the account id) so each request can compare that with the stored account and end
// the session when the account was disabled, deleted or given another role or tenant.
import { randomBytes } from "node:crypto";
import type { AdminRole } from "../hub/types.js";

export const SESSION_COOKIE = "ph_session";

/** Who a session (or the API token) acts as. */
export interface Principal {
  username: string;
  role: AdminRole;
  /** The tenant of a tenant admin; null for admins. */
  tenant: string | null;
  /** The stored account; absent for the configured admin. */
  userId?: string;
}

export interface Session extends Principal {
  id: string;
  createdAt: number;
  expiresAt: number;
}

export class SessionStore {
  private readonly sessions = new Map<string, Session>();

  constructor(private readonly ttlMs: number) {}

  create(principal: Principal, now = Date.now()): Session {
    this.sweep(now);
    const s: Session = {
      ...principal,
      id: randomBytes(32).toString("base64url"),
      createdAt: now,
      expiresAt: now + this.ttlMs,
    };
    this.sessions.set(s.id, s);
    return s;
  }

  get(id: string, now = Date.now()): Session | undefined {
    const s = this.sessions.get(id);
    if (!s) return undefined;
    if (s.expiresAt <= now) {
      this.sessions.delete(id);
      return undefined;
    }
    return s;
  }

  delete(id: string): void {
    this.sessions.delete(id);
  }

  /** Ends every session of a stored account (password reset, deletion), except `keep` (the caller's own). */
  deleteForUser(userId: string, keep?: string): number {
    let n = 0;
    for (const [id, s] of this.sessions) {
      if (s.userId === userId && id !== keep) {
        this.sessions.delete(id);
        n++;
      }
    }
    return n;
  }

  private sweep(now: number): void {
    for (const [id, s] of this.sessions) if (s.expiresAt <= now) this.sessions.delete(id);
  }
}
