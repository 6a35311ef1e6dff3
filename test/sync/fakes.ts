// Fake adapters for sync-core and hub tests that echo like the real systems: the fake PBX keeps one
// presence item per contact (newest first) and reports the hub's slot back; the fake Teams aggregates the
// user's own client presence with the hub's Graph session (DoNotDisturb > Busy > Available > Away) and
// notifies only when the aggregate changes. Both can fail writes and deliver events late.
import type {
  CfbEntry,
  ConnectorStatus,
  PbxAdapter,
  PbxAdapterEvents,
  PbxPresenceItem,
  PbxUser,
  TeamsAdapter,
  TeamsAdapterEvents,
  TeamsUser,
} from "../../engine/ports/adapters.js";
import { TypedEmitter } from "../../common/emitter.js";
import type { PbxCallState, TeamsPresence, TeamsPresencePair } from "../../engine/presence.js";

function status(state: ConnectorStatus["state"], reason = ""): ConnectorStatus {
  return { state, reason, since: new Date().toISOString() };
}

/**
 * Delivers events after a random short delay so they interleave like sockets, but in order per source
 * (one WebSocket / one Graph subscription never reorders its own messages).
 */
class Delivery {
  private readonly queue: { due: number; fn: () => void }[] = [];
  private timer: NodeJS.Timeout | undefined;
  private epoch = 0;
  constructor(private readonly jitter: () => number) {}
  /** A dropped connection: messages still on their way are lost. */
  reset(): void {
    this.epoch++;
    this.queue.length = 0;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
  later(send: () => void): void {
    const last = this.queue.length ? this.queue[this.queue.length - 1].due : 0;
    const due = Math.max(last, Date.now() + Math.floor(Math.random() * Math.max(1, this.jitter())));
    this.queue.push({ due, fn: send });
    this.arm();
  }
  private arm(): void {
    if (this.timer || this.queue.length === 0) return;
    const epoch = this.epoch;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        if (epoch !== this.epoch) return;
        // FIFO: one timer for the whole queue, so equal due times can never swap two messages.
        while (this.queue.length && this.queue[0].due <= Date.now()) this.queue.shift()!.fn();
        this.arm();
      },
      Math.max(0, this.queue[0].due - Date.now()),
    );
  }
}

export class FakePbx extends TypedEmitter<PbxAdapterEvents> implements PbxAdapter {
  readonly hubContact = "presence-hub:";
  readonly usersByGuid = new Map<string, PbxUser>();
  /** Per user: contact → item, insertion order = age (last = newest). */
  readonly presence = new Map<string, Map<string, PbxPresenceItem>>();
  readonly calls = new Map<string, PbxCallState>();
  watched: string[] = [];
  writes: { op: string; guid: string; args: unknown[] }[] = [];
  failWrites = 0;
  jitterMs = 0;
  private readonly delivery = new Delivery(() => this.jitterMs);
  private st: ConnectorStatus = status("offline", "not started");
  started = 0;
  stopped = 0;

  constructor(users: Partial<PbxUser>[] = []) {
    super();
    for (const u of users) this.addUser(u);
  }

  addUser(u: Partial<PbxUser>): PbxUser {
    const guid = u.guid ?? `g-${this.usersByGuid.size + 1}`;
    const user: PbxUser = {
      guid,
      h323: u.h323 ?? guid,
      cn: u.cn ?? guid,
      dn: u.dn ?? u.cn ?? guid,
      e164: u.e164 ?? "",
      emails: u.emails ?? [],
      cfpr: u.cfpr ?? true,
      cfb: u.cfb ?? [],
    };
    this.usersByGuid.set(guid, user);
    if (this.st.state === "online") this.emit("user", user);
    return user;
  }

  start(): void {
    this.started++;
    this.goOnline();
  }

  goOnline(): void {
    this.delivery.reset();
    this.st = status("online", "Connected");
    this.emit("status", this.st);
    for (const u of this.usersByGuid.values()) this.emit("user", u);
    for (const guid of this.watched) this.emitPresence(guid, true);
    for (const [guid, s] of this.calls) this.emit("callState", guid, s);
    this.emit("synchronized");
  }

  goOffline(): void {
    this.delivery.reset();
    this.st = status("backoff", "Connection lost");
    this.emit("status", this.st);
  }

  async stop(): Promise<void> {
    this.stopped++;
    this.st = status("offline", "stopped");
    this.emit("status", this.st);
  }

  status(): ConnectorStatus {
    return this.st;
  }

  users(): PbxUser[] {
    return [...this.usersByGuid.values()];
  }

  watch(guids: readonly string[]): void {
    const fresh = guids.filter((g) => !this.watched.includes(g));
    this.watched = [...guids];
    if (this.st.state === "online") for (const g of fresh) this.emitPresence(g, true);
  }

  private check(op: string, guid: string, args: unknown[]): void {
    this.writes.push({ op, guid, args });
    if (this.st.state !== "online") throw new Error("not connected");
    if (this.failWrites > 0) {
      this.failWrites--;
      throw new Error("simulated PBX failure");
    }
  }

  async setPresence(guid: string, activity: string, note: string): Promise<void> {
    this.check("setPresence", guid, [activity, note]);
    this.setItem(guid, this.hubContact, activity, note);
  }

  async addCfb(
    guid: string,
    destination: string,
    options: { adoptExisting?: boolean; precedence?: boolean } = {},
  ): Promise<CfbEntry> {
    this.check("addCfb", guid, [destination]);
    const u = this.usersByGuid.get(guid)!;
    const entry: CfbEntry = { e164: destination, ...(options.precedence ? { precedence: true } : {}) };
    const existing = u.cfb.find(
      (x) => x.e164 === destination && !x.h323 && !x.bool && !!x.precedence === !!options.precedence,
    );
    if (options.adoptExisting && existing) return existing;
    u.cfb = [...u.cfb, entry];
    this.delivery.later(() => this.emit("user", u));
    return entry;
  }

  cfbWritable(): boolean {
    return true;
  }

  async removeCfb(guid: string, entry: CfbEntry): Promise<boolean> {
    this.check("removeCfb", guid, [entry]);
    const u = this.usersByGuid.get(guid)!;
    const i = u.cfb.findIndex(
      (x) =>
        x.e164 === entry.e164 && x.h323 === entry.h323 && x.bool === entry.bool && !!x.precedence === !!entry.precedence,
    );
    if (i < 0) return false;
    u.cfb = u.cfb.filter((_, j) => j !== i);
    this.delivery.later(() => this.emit("user", u));
    return true;
  }

  // -------------------------------------------------------------- simulation controls

  /** The user sets their own presence on the phone / myApps (`tel:` slot). */
  userSetPresence(guid: string, activity: string, note = ""): void {
    this.setItem(guid, "tel:", activity, note);
  }

  call(guid: string, state: PbxCallState): void {
    this.calls.set(guid, state);
    if (this.st.state === "online") this.delivery.later(() => this.emit("callState", guid, state));
  }

  /** Someone (an admin, a PBX restart) empties the hub's slot. */
  clearSlotExternally(guid: string): void {
    this.setItem(guid, this.hubContact, "", "");
  }

  hubSlot(guid: string): PbxPresenceItem | undefined {
    const item = this.presence.get(guid)?.get(this.hubContact);
    return item?.activity ? item : undefined;
  }

  /** What a call to the user would do: forwarded when any presence is set, cfpr is on and a CFB exists. */
  incomingCall(guid: string): string {
    const u = this.usersByGuid.get(guid)!;
    const busy = [...(this.presence.get(guid)?.values() ?? [])].some((i) => i.activity !== "");
    // Like the PBX: an entry that takes precedence wins over the user's own.
    const cfb = u.cfb.find((x) => x.precedence) ?? u.cfb[0];
    if (busy && u.cfpr && cfb) return `forwarded to ${cfb.e164 ?? cfb.h323}`;
    return "rings";
  }

  private setItem(guid: string, contact: string, activity: string, note: string): void {
    let items = this.presence.get(guid);
    if (!items) {
      items = new Map();
      this.presence.set(guid, items);
    }
    items.delete(contact);
    items.set(contact, { contact, status: "open", activity, note });
    this.emitPresence(guid);
  }

  private emitPresence(guid: string, now = false): void {
    if (!this.watched.includes(guid) || this.st.state !== "online") return;
    const send = () => {
      const items = [...(this.presence.get(guid)?.values() ?? [])].reverse();
      this.emit("presence", guid, items);
    };
    if (now) send();
    else this.delivery.later(send);
  }
}

const RANK: Record<string, number> = { donotdisturb: 4, busy: 3, available: 2, away: 1 };

export class FakeTeams extends TypedEmitter<TeamsAdapterEvents> implements TeamsAdapter {
  readonly directory: TeamsUser[];
  readonly client = new Map<string, TeamsPresence>();
  readonly sessions = new Map<string, TeamsPresencePair>();
  private readonly lastSent = new Map<string, string>();
  watched: string[] = [];
  writes: { op: string; userId: string; pair?: TeamsPresencePair }[] = [];
  failWrites = 0;
  jitterMs = 0;
  private readonly delivery = new Delivery(() => this.jitterMs);
  private st: ConnectorStatus = status("offline", "not started");
  stopped = 0;

  constructor(users: TeamsUser[] = []) {
    super();
    this.directory = users;
  }

  start(): void {
    this.st = status("online", "Connected");
    this.emit("status", this.st);
    for (const id of this.watched) this.notifyUser(id, true);
    this.emit("synchronized");
  }

  async stop(): Promise<void> {
    this.stopped++;
    this.st = status("offline", "stopped");
  }

  goOffline(): void {
    this.st = status("backoff", "Graph unreachable");
    this.emit("status", this.st);
  }

  status(): ConnectorStatus {
    return this.st;
  }

  watch(userIds: readonly string[]): void {
    const fresh = userIds.filter((u) => !this.watched.includes(u));
    this.watched = [...userIds];
    if (this.st.state === "online") for (const id of fresh) this.notifyUser(id, true);
  }

  private check(op: string, userId: string, pair?: TeamsPresencePair): void {
    this.writes.push({ op, userId, pair });
    if (this.st.state !== "online") throw new Error("not connected");
    if (this.failWrites > 0) {
      this.failWrites--;
      throw new Error("simulated Graph 503");
    }
  }

  async setPresence(userId: string, presence: TeamsPresencePair): Promise<void> {
    this.check("setPresence", userId, presence);
    this.sessions.set(userId, presence);
    this.notifyUser(userId);
  }

  async clearPresence(userId: string): Promise<void> {
    this.check("clearPresence", userId);
    this.sessions.delete(userId);
    this.notifyUser(userId);
  }

  async listUsers(): Promise<TeamsUser[]> {
    return this.directory;
  }

  // -------------------------------------------------------------- simulation controls

  userSet(userId: string, availability: string, activity: string, outOfOffice = false): void {
    this.client.set(userId, { availability, activity, outOfOffice });
    this.notifyUser(userId);
  }

  /** Graph delivers the same notification twice. */
  emitDuplicate(userId: string): void {
    this.emit("presence", userId, this.aggregate(userId));
  }

  aggregate(userId: string): TeamsPresence {
    const own = this.client.get(userId) ?? {
      availability: "Available",
      activity: "Available",
      outOfOffice: false,
    };
    const s = this.sessions.get(userId);
    if (s && (RANK[s.availability.toLowerCase()] ?? 0) >= (RANK[own.availability.toLowerCase()] ?? 0)) {
      return { availability: s.availability, activity: s.activity, outOfOffice: own.outOfOffice };
    }
    return own;
  }

  private notifyUser(userId: string, force = false): void {
    if (!this.watched.includes(userId) || this.st.state !== "online") return;
    const send = () => {
      const p = this.aggregate(userId);
      const key = `${p.availability}/${p.activity}/${p.outOfOffice}`;
      // Graph notifies on changes of the aggregate only.
      if (!force && this.lastSent.get(userId) === key) return;
      this.lastSent.set(userId, key);
      this.emit("presence", userId, p);
    };
    if (force) send();
    else this.delivery.later(send);
  }
}

/** In-memory SyncPersistence. */
export function memoryPersistence() {
  const map = new Map<string, import("../../engine/sync/types.js").HubSetState>();
  return {
    map,
    loadAll: () => new Map(map),
    save: (id: string, s: import("../../engine/sync/types.js").HubSetState) => {
      map.set(id, structuredClone(s));
    },
    remove: (id: string) => {
      map.delete(id);
    },
  };
}

export async function until(cond: () => boolean, timeoutMs = 3000, what = "condition"): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
