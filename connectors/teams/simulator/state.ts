// Graph simulator state: users, their presence sessions, preferred presence, calendar overlays and the
// virtual clock, with Teams' aggregation rules (msgraph-presence.md §4.1, §8.1). Every change of a user's
// aggregated presence bumps its sequenceNumber and is reported to the change listener (notifications).
import { randomUUID } from "node:crypto";

export const TEAMS_CLIENT_SESSION = "teams-client";
const AVAILABLE_TIMEOUT_MS = 5 * 60_000;

/** Pairs accepted by setPresence (§4.1) and setUserPreferredPresence (§4.3). */
export const SET_PRESENCE_PAIRS = [
  "Available/Available",
  "Busy/InACall",
  "Busy/InAConferenceCall",
  "Away/Away",
  "DoNotDisturb/Presenting",
];
export const PREFERRED_PAIRS = [
  "Available/Available",
  "Busy/Busy",
  "DoNotDisturb/DoNotDisturb",
  "BeRightBack/BeRightBack",
  "Away/Away",
  "Offline/OffWork",
];
const RANK: Record<string, number> = {
  DoNotDisturb: 5,
  Busy: 4,
  Available: 3,
  Away: 2,
  BeRightBack: 1,
  Offline: 0,
};

export interface SimPair {
  availability: string;
  activity: string;
}

export interface SimSession extends SimPair {
  /** Virtual ms; undefined = no expiry (the Teams client session). */
  expiresAt?: number;
  lastSetAt: number;
}

/** One user as seeded from a users file or the control API. */
export interface SimUserSeed {
  id?: string;
  upn: string;
  displayName?: string;
  mail?: string | null;
  /** The user's own Teams client session; null/absent = signed out. */
  client?: SimPair | null;
  outOfOffice?: boolean;
  outOfOfficeMessage?: string | null;
  inMeeting?: boolean;
}

export interface SimUser {
  id: string;
  upn: string;
  displayName: string;
  mail: string | null;
  sessions: Map<string, SimSession>;
  preferred?: SimPair & { expiresAt: number };
  statusMessage?: {
    message: { content: string; contentType: string };
    publishedDateTime: string;
    expiryDateTime?: unknown;
  };
  ooo: { isOutOfOffice: boolean; message: string | null };
  inMeeting: boolean;
  seq: number;
  current: SimPair & { ooo: boolean };
}

export interface PresenceJson {
  id: string;
  availability: string;
  activity: string;
  statusMessage: unknown;
  outOfOfficeSettings: { message: string | null; isOutOfOffice: boolean };
  sequenceNumber?: string;
}

export class VirtualClock {
  private offset = 0;
  now(): number {
    return Date.now() + this.offset;
  }
  advance(ms: number): void {
    this.offset += ms;
  }
}

export class SimState {
  readonly users = new Map<string, SimUser>();
  private readonly byUpn = new Map<string, SimUser>();
  /** Users whose presence can change with time alone (expiring or fading sessions, preferred presence). */
  private readonly timed = new Set<SimUser>();
  private seqCounter = 0;

  constructor(
    readonly clock: VirtualClock,
    private readonly onChange: (user: SimUser) => void,
    /** Leave `sequenceNumber` out (the reference marks it unverified that Teams fills it). */
    private readonly withoutSequenceNumbers = false,
  ) {}

  reset(): void {
    this.users.clear();
    this.byUpn.clear();
    this.timed.clear();
  }

  addUser(seed: SimUserSeed): SimUser {
    const id = seed.id ?? randomUUID();
    const user: SimUser = {
      id,
      upn: seed.upn,
      displayName: seed.displayName ?? seed.upn.split("@")[0] ?? seed.upn,
      mail: seed.mail === undefined ? seed.upn : seed.mail,
      sessions: new Map(),
      ooo: { isOutOfOffice: seed.outOfOffice ?? false, message: seed.outOfOfficeMessage ?? null },
      inMeeting: seed.inMeeting ?? false,
      seq: 0,
      current: { availability: "Offline", activity: "Offline", ooo: false },
    };
    if (seed.client) user.sessions.set(TEAMS_CLIENT_SESSION, { ...seed.client, lastSetAt: this.clock.now() });
    this.users.set(id, user);
    this.byUpn.set(seed.upn.toLowerCase(), user);
    user.current = this.aggregate(user);
    user.seq = ++this.seqCounter;
    this.trackTime(user);
    return user;
  }

  find(idOrUpn: string): SimUser | undefined {
    return this.users.get(idOrUpn) ?? this.byUpn.get(idOrUpn.toLowerCase());
  }

  /** Teams' aggregation at the current virtual time. */
  aggregate(user: SimUser): SimPair & { ooo: boolean } {
    const now = this.clock.now();
    for (const [sid, s] of user.sessions)
      if (s.expiresAt !== undefined && s.expiresAt <= now) user.sessions.delete(sid);
    if (user.preferred && user.preferred.expiresAt <= now) user.preferred = undefined;
    let result: SimPair;
    if (user.sessions.size === 0) {
      // Preferred presence only applies while at least one session exists (§4.3).
      result = { availability: "Offline", activity: "Offline" };
    } else if (user.preferred) {
      result = { availability: user.preferred.availability, activity: user.preferred.activity };
    } else {
      let best: SimSession | undefined;
      let bestRank = -1;
      for (const [sid, s] of user.sessions) {
        const eff = effectiveSession(sid, s, now);
        const r = RANK[eff.availability] ?? 0;
        if (r > bestRank || (r === bestRank && best && s.lastSetAt > best.lastSetAt)) {
          best = { ...s, ...eff };
          bestRank = r;
        }
      }
      result = { availability: best!.availability, activity: best!.activity };
      if (
        user.inMeeting &&
        (RANK[result.availability] ?? 0) <= RANK.Available! &&
        result.availability !== "Offline"
      ) {
        result = { availability: "Busy", activity: "InAMeeting" };
      }
    }
    const ooo = user.ooo.isOutOfOffice;
    if (
      ooo &&
      ["Available", "Away", "BeRightBack", "Offline"].includes(result.availability) &&
      result.activity !== "OffWork"
    ) {
      result = { availability: result.availability, activity: "OutOfOffice" };
    }
    return { ...result, ooo };
  }

  /** Recompute a user's presence; on change bump the sequence number and notify. */
  touch(user: SimUser): void {
    const next = this.aggregate(user);
    this.trackTime(user);
    const cur = user.current;
    if (next.availability === cur.availability && next.activity === cur.activity && next.ooo === cur.ooo)
      return;
    user.current = next;
    user.seq = ++this.seqCounter;
    this.onChange(user);
  }

  /** Re-evaluate time-driven changes (expiries, Available fading) after the clock moved. */
  tick(): void {
    // Only these can change without a request: a scan of every user took 200 ms a second at 100,000.
    for (const u of [...this.timed]) this.touch(u);
  }

  /** Every change of sessions or preferred presence ends in `touch`, which keeps `timed` current. */
  private trackTime(user: SimUser): void {
    let timed = user.preferred !== undefined;
    for (const [sid, s] of user.sessions) if (sid !== TEAMS_CLIENT_SESSION || s.expiresAt !== undefined) timed = true;
    if (timed) this.timed.add(user);
    else this.timed.delete(user);
  }

  presenceJson(user: SimUser): PresenceJson {
    const p = this.aggregate(user);
    return {
      id: user.id,
      availability: p.availability,
      activity: p.activity,
      statusMessage: user.statusMessage ?? null,
      outOfOfficeSettings: { message: user.ooo.message, isOutOfOffice: user.ooo.isOutOfOffice },
      ...(this.withoutSequenceNumbers ? {} : { sequenceNumber: String(user.seq).padStart(16, "0") }),
    };
  }
}

/** An app session in Available fades to Available/AvailableInactive after 5 min, then Away/Away (§4.1). */
function effectiveSession(sid: string, s: SimSession, now: number): SimPair {
  if (sid === TEAMS_CLIENT_SESSION || s.availability !== "Available") return s;
  const idle = now - s.lastSetAt;
  if (idle >= 2 * AVAILABLE_TIMEOUT_MS) return { availability: "Away", activity: "Away" };
  if (idle >= AVAILABLE_TIMEOUT_MS) return { availability: "Available", activity: "AvailableInactive" };
  return s;
}

export function pairKey(p: SimPair): string {
  return `${p.availability}/${p.activity}`;
}
