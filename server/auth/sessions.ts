// In-memory admin sessions keyed by a random id (the signed cookie carries only the id). Logging out or
// restarting the process ends every session; that is intended for a single-admin appliance.
import { randomBytes } from "node:crypto";

export interface Session {
  id: string;
  user: string;
  createdAt: number;
  expiresAt: number;
}

export class SessionStore {
  private readonly sessions = new Map<string, Session>();

  constructor(private readonly ttlMs: number) {}

  create(user: string, now = Date.now()): Session {
    this.sweep(now);
    const s: Session = { id: randomBytes(32).toString("base64url"), user, createdAt: now, expiresAt: now + this.ttlMs };
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

  private sweep(now: number): void {
    for (const [id, s] of this.sessions) if (s.expiresAt <= now) this.sessions.delete(id);
  }
}
