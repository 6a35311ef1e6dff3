// The simulated PBX's data: users, per-contact presence (newest first), call diversions, calls, and the
// presence-based forwarding decision (innovaphone-appwebsocket.md §9.4, §9.9). Protocol-free: sessions
// render it into messages; every change is published to listeners so sessions can push indications.
import { randomBytes } from "node:crypto";
import { HubError } from "../../../common/errors.js";
import type { IncomingCallResult, SimCd, SimPresenceInput, SimUserInput, SimVisibility } from "./types.js";

export interface SimPresenceItem {
  contact: string;
  status: string;
  activity: string;
  note: string;
  /** Monotonic change counter: higher = newer. */
  seq: number;
}

export interface SimUser {
  guid: string;
  h323: string;
  cn: string;
  dn: string;
  e164: string;
  emails: string[];
  cfpr: boolean | null;
  tCfpr: boolean | null;
  dnd: boolean;
  cds: SimCd[];
  presence: Map<string, SimPresenceItem>;
  apps?: string[];
  visibility: SimVisibility[];
  /** usn of the user's last change (replication). */
  usn: number;
}

export interface SimCall {
  id: string;
  guid: string;
  peer: string;
  direction: "in" | "out";
  /** RCC state integer: low nibble phase (1 setup … 5 connected), +128 outgoing, +256 on hold. */
  state: number;
  callId: string;
}

export type ModelEvent =
  | { kind: "user"; op: "add" | "update" | "del"; user: SimUser }
  | { kind: "presence"; user: SimUser }
  | { kind: "call"; op: "add" | "update" | "del"; call: SimCall; msg: string };

export interface ForwardingPolicy {
  activities: Set<string>;
  scope: "any" | "newest";
  onThePhone: boolean;
}

const PHASE_CONNECTED = 5;
const PHASE_ALERT = 4;
const PHASE_SETUP = 1;
const OUTGOING = 128;
const HOLD = 256;

export class PbxModel {
  readonly users = new Map<string, SimUser>();
  readonly calls = new Map<string, SimCall>();
  private seq = 0;
  private callSeq = 0;
  private readonly listeners = new Set<(e: ModelEvent) => void>();

  constructor(readonly policy: ForwardingPolicy) {}

  subscribe(l: (e: ModelEvent) => void): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  private publish(e: ModelEvent): void {
    for (const l of [...this.listeners]) l(e);
  }

  /** Database-wide update sequence number (replication `usn`). */
  usn = 0;

  nextUsn(): number {
    return ++this.usn;
  }

  nextSeq(): number {
    return ++this.seq;
  }

  /**
   * Name indexes for find(): a scan per lookup made seeding and every SetPresence/SubscribePresence O(users)
   * (minutes at 100,000 users). First added wins per name, as the scan in insertion order did; dropped on
   * update/delete and rebuilt on the next lookup.
   */
  private names?: { h323: Map<string, SimUser>; cn: Map<string, SimUser>; e164: Map<string, SimUser> };
  private readonly order = new WeakMap<SimUser, number>();
  private added = 0;

  private indexName(ix: NonNullable<PbxModel["names"]>, u: SimUser): void {
    if (!ix.h323.has(u.h323)) ix.h323.set(u.h323, u);
    if (!ix.cn.has(u.cn)) ix.cn.set(u.cn, u);
    if (u.e164 !== "" && !ix.e164.has(u.e164)) ix.e164.set(u.e164, u);
  }

  private nameIndex(): NonNullable<PbxModel["names"]> {
    if (!this.names) {
      this.names = { h323: new Map(), cn: new Map(), e164: new Map() };
      for (const u of this.users.values()) this.indexName(this.names, u);
    }
    return this.names;
  }

  /** The first added user with exactly this h323 name, cn or e164 number. */
  byName(field: "h323" | "cn" | "e164", value: string): SimUser | undefined {
    return value === "" ? undefined : this.nameIndex()[field].get(value);
  }

  /** Find a user by guid, h323, cn or e164 (the first added user that has the name). */
  find(key: string): SimUser | undefined {
    const byGuid = this.users.get(key);
    if (byGuid) return byGuid;
    const names = this.nameIndex();
    let best: SimUser | undefined;
    for (const c of [names.h323.get(key), names.cn.get(key), names.e164.get(key)])
      if (c && (!best || (this.order.get(c) ?? 0) < (this.order.get(best) ?? 0))) best = c;
    return best;
  }

  get(key: string): SimUser {
    const u = this.find(key);
    if (!u) throw new HubError("NOT_FOUND", `No simulated user "${key}"`);
    return u;
  }

  addUser(input: SimUserInput, quiet = false): SimUser {
    if (!input.h323) throw new HubError("VALIDATION", "A simulated user needs an h323 name");
    if (this.find(input.h323)) throw new HubError("CONFLICT", `User ${input.h323} exists`);
    const u: SimUser = {
      guid: (input.guid ?? randomBytes(16).toString("hex")).toLowerCase(),
      h323: input.h323,
      cn: input.cn ?? input.h323,
      dn: input.dn ?? input.cn ?? input.h323,
      e164: input.e164 ?? "",
      emails: input.emails ?? [],
      cfpr: input.cfpr ?? null,
      tCfpr: input.tCfpr ?? null,
      dnd: input.dnd ?? false,
      cds: (input.cds ?? []).map((c) => ({ ...c })),
      presence: new Map(),
      apps: input.apps,
      visibility: (input.visibility ?? []).map((v) => ({ ...v })),
      usn: 0,
    };
    if (this.users.has(u.guid)) throw new HubError("CONFLICT", `User guid ${u.guid} exists`);
    for (const p of input.presence ?? []) this.writePresence(u, p);
    u.usn = this.nextUsn();
    this.users.set(u.guid, u);
    this.order.set(u, this.added++);
    if (this.names) this.indexName(this.names, u);
    if (!quiet) this.publish({ kind: "user", op: "add", user: u });
    return u;
  }

  /** Change scalar fields / replace arrays of a user (as UpdateObject or the control API do). */
  updateUser(key: string, patch: Partial<Omit<SimUserInput, "guid" | "presence">>): SimUser {
    const u = this.get(key);
    this.names = undefined;
    if (patch.h323 !== undefined) u.h323 = patch.h323;
    if (patch.cn !== undefined) u.cn = patch.cn;
    if (patch.dn !== undefined) u.dn = patch.dn;
    if (patch.e164 !== undefined) u.e164 = patch.e164;
    if (patch.emails !== undefined) u.emails = [...patch.emails];
    if (patch.cfpr !== undefined) u.cfpr = patch.cfpr;
    if (patch.tCfpr !== undefined) u.tCfpr = patch.tCfpr;
    if (patch.dnd !== undefined) u.dnd = patch.dnd;
    if (patch.cds !== undefined) u.cds = patch.cds.map((c) => ({ ...c }));
    if (patch.apps !== undefined) u.apps = patch.apps;
    if (patch.visibility !== undefined) u.visibility = patch.visibility.map((v) => ({ ...v }));
    u.usn = this.nextUsn();
    this.publish({ kind: "user", op: "update", user: u });
    return u;
  }

  deleteUser(key: string): void {
    const u = this.get(key);
    for (const c of [...this.calls.values()]) if (c.guid === u.guid) this.endCall(c.id);
    this.users.delete(u.guid);
    this.names = undefined;
    u.usn = this.nextUsn();
    this.publish({ kind: "user", op: "del", user: u });
  }

  private writePresence(u: SimUser, p: SimPresenceInput, deleteOnClear = false): void {
    const contact = p.contact ?? "tel:";
    if (deleteOnClear && p.activity === "") u.presence.delete(contact);
    else {
      u.presence.set(contact, {
        contact,
        status: p.status ?? "open",
        activity: p.activity,
        note: p.note ?? "",
        seq: this.nextSeq(),
      });
    }
  }

  /** Set one contact slot (the user's own `tel:` by default) and notify watchers. */
  setPresence(key: string, p: SimPresenceInput, deleteOnClear = false): SimUser {
    const u = this.get(key);
    this.writePresence(u, p, deleteOnClear);
    this.publish({ kind: "presence", user: u });
    return u;
  }

  /** The presence array, newest first; with `otf`, a synthetic on-the-phone item leads while calls exist. */
  presenceArray(
    u: SimUser,
    otf = true,
  ): Array<{ contact: string; status: string; activity: string; note: string }> {
    const items = [...u.presence.values()]
      .sort((a, b) => b.seq - a.seq)
      .map(({ contact, status, activity, note }) => ({ contact, status, activity, note }));
    if (otf && this.policy.onThePhone && this.activeCalls(u.guid) > 0) {
      items.unshift({ contact: "tel:", status: "open", activity: "on-the-phone", note: "" });
    }
    return items;
  }

  activeCalls(guid: string): number {
    let n = 0;
    for (const c of this.calls.values()) if (c.guid === guid) n++;
    return n;
  }

  callsOf(guid: string): SimCall[] {
    return [...this.calls.values()].filter((c) => c.guid === guid);
  }

  /** Start a PBX call for a user: incoming alerts, outgoing starts in setup. Returns the call id. */
  startCall(key: string, opts: { peer?: string; direction?: "in" | "out" } = {}): SimCall {
    const u = this.get(key);
    const direction = opts.direction ?? "in";
    const id = String(++this.callSeq);
    // PBX-centric direction (§6.1): a call from the PBX to the user's phone counts as outgoing (+128).
    const state = direction === "in" ? PHASE_ALERT | OUTGOING : PHASE_SETUP;
    const call: SimCall = {
      id,
      guid: u.guid,
      peer: opts.peer ?? "0301234567",
      direction,
      state,
      callId: randomBytes(8).toString("hex"),
    };
    this.calls.set(id, call);
    this.publish({ kind: "call", op: "add", call, msg: direction === "in" ? "x-alert" : "r-setup" });
    if (direction === "out") this.updateCall(call, PHASE_ALERT, "r-alert");
    this.publish({ kind: "presence", user: u });
    return call;
  }

  private getCall(id: string): SimCall {
    const c = this.calls.get(id);
    if (!c) throw new HubError("NOT_FOUND", `No simulated call "${id}"`);
    return c;
  }

  private updateCall(c: SimCall, phase: number, msg: string, flags?: number): void {
    const keep = c.state & OUTGOING;
    c.state = phase | keep | (flags ?? c.state & HOLD);
    this.publish({ kind: "call", op: "update", call: c, msg });
  }

  answerCall(id: string): SimCall {
    const c = this.getCall(id);
    this.updateCall(c, PHASE_CONNECTED, c.direction === "in" ? "x-conn" : "r-conn", 0);
    return c;
  }

  holdCall(id: string, hold = true): SimCall {
    const c = this.getCall(id);
    this.updateCall(c, PHASE_CONNECTED, hold ? "x-hold" : "x-retrieve", hold ? HOLD : 0);
    return c;
  }

  endCall(id: string): void {
    const c = this.getCall(id);
    this.calls.delete(id);
    this.publish({ kind: "call", op: "del", call: c, msg: "del" });
    const u = this.users.get(c.guid);
    if (u) this.publish({ kind: "presence", user: u });
  }

  effectiveCfpr(u: SimUser): boolean {
    return u.cfpr ?? u.tCfpr ?? false;
  }

  /** The CFB entry the PBX would use (simplified: precedence first, then plain entries, then any). */
  activeCfb(u: SimUser): SimCd | undefined {
    const cfbs = u.cds.filter((c) => c.type === "cfb" && (c.e164 || c.h323));
    return (
      cfbs.find((c) => c.precedence) ??
      cfbs.find((c) => !c.bool && !c.filter) ??
      cfbs.find((c) => !c.bool || c.boolNot) ??
      undefined
    );
  }

  /** Would a new call to this user be forwarded (busy or presence-based) or ring? */
  forwardingDecision(u: SimUser): IncomingCallResult {
    const busy = this.activeCalls(u.guid) > 0;
    const items = this.presenceArray(u, false);
    const considered = this.policy.scope === "newest" ? items.slice(0, 1) : items;
    const presenceBusy =
      this.effectiveCfpr(u) && considered.some((p) => this.policy.activities.has(p.activity));
    if (busy || presenceBusy) {
      const cfb = this.activeCfb(u);
      if (cfb)
        return {
          result: "forwarded",
          destination: (cfb.e164 || cfb.h323) as string,
          reason: busy ? "busy" : "presence",
        };
      if (busy) return { result: "busy", reason: "user busy and no CFB destination" };
    }
    return { result: "rings" };
  }

  /** Simulate a call to the user: forwarded, busy, or it rings (and then starts an alerting call). */
  simulateIncomingCall(key: string, opts: { peer?: string; ring?: boolean } = {}): IncomingCallResult {
    const u = this.get(key);
    const d = this.forwardingDecision(u);
    if (d.result === "rings" && opts.ring !== false)
      d.call = this.startCall(u.guid, { peer: opts.peer, direction: "in" }).id;
    return d;
  }

  /** Plain snapshot for the control API. */
  snapshot(key: string): Record<string, unknown> {
    const u = this.get(key);
    return {
      guid: u.guid,
      h323: u.h323,
      cn: u.cn,
      dn: u.dn,
      e164: u.e164,
      emails: u.emails,
      cfpr: u.cfpr,
      tCfpr: u.tCfpr,
      dnd: u.dnd,
      cds: u.cds,
      presence: this.presenceArray(u),
      calls: this.callsOf(u.guid),
      forwarding: this.forwardingDecision(u),
    };
  }
}
