// One simulated AppWebsocket connection: login (challenge/digest incl. failures), then PbxApi,
// PbxTableUsers, PbxAdminApi and RCC per innovaphone-appwebsocket.md §9, with src echo, subscriptions
// kept per (connection, src), and the fault knobs (delay, drop, omit src) applied to everything it sends.
import { randomBytes, randomInt } from "node:crypto";
import type WebSocket from "ws";
import { corkUntilTickEnd } from "../../../common/ws-cork.js";
import { computeDigest } from "../digest.js";
import type { ModelEvent, PbxModel, SimUser } from "./model.js";
import type { PbxSimulatorOptions, SimAppObject, SimApiName, SimFaults, SimLogEntry } from "./types.js";
import { SIM_ALL_APIS } from "./types.js";
import { adminApiResult, diversionResult } from "./admin-api.js";
import { callAddMessage, userInfoMessage } from "./rcc-messages.js";
import { PresenceSubs } from "./presence-subs.js";
import { replicationRow, SUPPORTED_COLUMNS } from "./wire.js";

type Msg = Record<string, unknown> & { mt?: unknown; api?: unknown; src?: unknown };

export interface SimContext {
  model: PbxModel;
  options: PbxSimulatorOptions;
  faults: SimFaults;
  apps(): Map<string, SimAppObject>;
  record(entry: SimLogEntry): void;
  stats: { connections: number; logins: number; loginFailures: number; challenges: number };
  dbGuid: string;
}

interface Replication {
  src: unknown;
  columns: Set<string>;
  sent: Set<string>;
  done: boolean;
  queue: Msg[];
  /** Live Map iterator: sees users added during the dump and skips deleted ones (JS Map semantics). */
  cursor: Iterator<SimUser>;
}

function str(v: unknown): string {
  return typeof v === "string" ? v : typeof v === "number" ? String(v) : "";
}

export class SimSession {
  private challenge: string | undefined;
  private app: SimAppObject | undefined;
  private loginAttempted = false;
  private scopeUser: string | undefined;
  private replication: Replication | undefined;
  private readonly presenceSubs = new PresenceSubs();
  private rcc: { src: unknown; calls: boolean; ready: boolean } | undefined;

  private readonly unsubscribe: () => void;
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly id: number,
    private readonly ws: WebSocket,
    private readonly ctx: SimContext,
  ) {
    this.unsubscribe = ctx.model.subscribe((e) => this.onModel(e));
    ws.on("message", (data, isBinary) => this.onFrame(isBinary ? "" : data.toString()));
    ws.on("close", () => this.dispose());
    ws.on("ping", (data) => {
      // A silent PBX does not answer pings either: that is what a client's liveness check must detect.
      if (!ctx.faults.dropReplies && ctx.options.answerPings !== false) ws.pong(data);
    });
    this.armIdle();
  }

  get appName(): string | undefined {
    return this.app?.name;
  }

  dispose(): void {
    this.unsubscribe();
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.presenceSubs.clear();
    this.replication = undefined;
    this.rcc = undefined;
  }

  close(): void {
    this.ws.terminate();
  }

  /** Send a raw text frame (control API: malformed frame injection). */
  sendRaw(text: string): void {
    this.ws.send(text);
  }

  private armIdle(): void {
    const t = this.ctx.options.idleTimeoutMs;
    if (!t) return;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => this.ws.close(1000, "idle"), t);
  }

  private out(msg: Msg): void {
    const f = this.ctx.faults;
    if (f.dropReplies) return;
    if (f.omitSrc) delete msg.src;
    const text = JSON.stringify(msg);
    const send = () => {
      if (this.ws.readyState !== this.ws.OPEN) return;
      corkUntilTickEnd(this.ws); // a start's thousands of results leave in a few writes
      this.ws.send(text);
    };
    if (f.delayMs && f.delayMs > 0) setTimeout(send, f.delayMs);
    else send();
  }

  private reply(req: Msg, body: Record<string, unknown> = {}): void {
    const msg: Msg = { ...body, mt: `${str(req.mt)}Result` };
    if (req.api !== undefined) msg.api = req.api;
    if (req.src !== undefined) msg.src = req.src;
    this.out(msg);
  }

  private indicate(api: string, src: unknown, body: Msg): void {
    const msg: Msg = { ...body, api };
    if (src !== undefined) msg.src = src;
    this.out(msg);
  }

  private onFrame(text: string): void {
    this.armIdle();
    let msg: Msg;
    try {
      const parsed: unknown = JSON.parse(text);
      if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) throw new Error("not an object");
      msg = parsed as Msg;
    } catch {
      this.ctx.record({ at: new Date().toISOString(), conn: this.id, app: this.app?.name, msg: text });
      if (this.ctx.options.onMalformed === "close") this.ws.close(1003, "malformed");
      return;
    }
    this.ctx.record({ at: new Date().toISOString(), conn: this.id, app: this.app?.name, msg });
    try {
      this.handle(msg);
    } catch (e) {
      // A bug or a bad request must not kill the simulated PBX.
      this.reply(msg, { error: 1, errorText: String((e as Error).message ?? e) });
    }
  }

  private handle(msg: Msg) {
    const mt = str(msg.mt);
    if (mt === "KeepAlive") {
      if (this.ctx.options.echoKeepAlive) this.out({ mt: "KeepAlive" });
      return;
    }
    if (mt === "AppChallenge") return this.onChallenge(msg);
    if (mt === "AppLogin") return this.onLogin(msg);
    if (!this.app) return; // API messages before login are ignored (default ⚠)
    const api = str(msg.api) as SimApiName;
    if (!(this.app.apis ?? SIM_ALL_APIS).includes(api)) {
      if (this.ctx.options.onDisabledApi === "error")
        this.reply(msg, { error: 1, errorText: "api not enabled" });
      return;
    }
    switch (api) {
      case "PbxApi":
        return this.pbxApi(mt, msg);
      case "PbxTableUsers":
        return this.tableUsers(mt, msg);
      case "PbxAdminApi":
        return this.adminApi(mt, msg);
      case "RCC":
        return this.rccApi(mt, msg);
    }
  }

  // ------------------------------------------------------------------ login

  private onChallenge(msg: Msg): void {
    this.ctx.stats.challenges++;
    if (this.ctx.faults.ignoreChallenge) return;
    const mode = this.ctx.options.challenge ?? "digits";
    let challenge: string;
    if (typeof mode === "object") challenge = mode.fixed;
    else if (mode === "hex") challenge = randomBytes(8).toString("hex");
    else if (mode === "numeric") challenge = String(randomInt(1, 2 ** 47));
    else challenge = Array.from({ length: 16 }, () => String(randomInt(0, 10))).join("");
    this.challenge = challenge;
    this.reply(msg, { challenge: mode === "numeric" ? Number(challenge) : challenge });
  }

  private onLogin(msg: Msg): void {
    const challenge = this.challenge;
    this.challenge = undefined; // one challenge per AppLogin: a reused challenge fails
    const second = this.loginAttempted && this.app !== undefined;
    this.loginAttempted = true;
    const app = this.ctx.apps().get(str(msg.app));
    let ok = false;
    if (challenge !== undefined && app && !second && !this.ctx.faults.refuseLogins) {
      const expected = computeDigest({
        app: str(msg.app),
        domain: str(msg.domain),
        sip: str(msg.sip),
        guid: str(msg.guid),
        dn: str(msg.dn),
        infoJson: msg.info === undefined ? undefined : JSON.stringify(msg.info),
        challenge,
        password: app.password,
      });
      const got = str(msg.digest);
      ok = this.ctx.options.lenientDigestCase ? got.toLowerCase() === expected : got === expected;
    }
    if (ok && app) {
      this.app = app;
      // 13r3 user-scoped login: AppLogin with sip acts for that user (AddAlienCall has no user field).
      if (str(msg.sip)) this.scopeUser = this.findUser({ sip: msg.sip })?.guid;
      this.ctx.stats.logins++;
      this.reply(msg, { ok: true });
      return;
    }
    this.ctx.stats.loginFailures++;
    const f = this.ctx.options.loginFailure ?? {};
    const body: Record<string, unknown> = f.omitOk ? {} : { ok: false };
    if (f.errorFields !== false) {
      body.error = 1;
      body.errorText = "Login failed";
    }
    this.reply(msg, body);
    if (f.closeAfterMs !== undefined) setTimeout(() => this.ws.close(1000, "login failed"), f.closeAfterMs);
  }

  // ------------------------------------------------------------------ PbxApi

  private findUser(msg: Msg): SimUser | undefined {
    const m = this.ctx.model;
    if (str(msg.guid)) return m.users.get(str(msg.guid).toLowerCase());
    const sip = str(msg.sip);
    if (sip) {
      const h = sip.replace(/^sip:/, "").split("@")[0];
      return m.byName("h323", h);
    }
    const num = str(msg.num);
    if (num) return m.byName("e164", num);
    return undefined;
  }

  private pbxApi(mt: string, msg: Msg) {
    const model = this.ctx.model;
    switch (mt) {
      case "SubscribePresence": {
        const u = this.findUser(msg);
        this.reply(msg);
        if (!u) {
          this.indicate("PbxApi", msg.src, { mt: "PresenceState", up: false });
          return;
        }
        let rights = { note: true, otf: true };
        if (this.ctx.options.requireVisibility) {
          const v =
            u.visibility.find((x) => x.name === this.app?.name) ?? u.visibility.find((x) => x.name === "@");
          if (!v?.presence) {
            if (this.ctx.options.onInvisible === "down")
              this.indicate("PbxApi", msg.src, { mt: "PresenceState", up: false });
            return;
          }
          rights = { note: v.note === true, otf: v.otf === true };
        }
        const sub = { src: msg.src, guid: u.guid, ...rights };
        this.presenceSubs.set(String(msg.src ?? `nosrc-${this.presenceSubs.size}`), sub);
        this.indicate("PbxApi", msg.src, {
          mt: "PresenceState",
          up: true,
          sip: u.h323,
          num: u.e164,
          dn: u.dn,
          email: u.emails[0] ?? "",
        });
        this.indicate("PbxApi", msg.src, { mt: "PresenceUpdate", presence: this.presenceFor(u, sub) });
        return;
      }
      case "UnsubscribePresence": {
        const u = this.findUser(msg);
        for (const [k, sub] of this.presenceSubs.entries()) {
          if ((msg.src !== undefined && sub.src === msg.src) || (u && sub.guid === u.guid)) this.presenceSubs.delete(k);
        }
        this.reply(msg);
        return;
      }
      case "SetPresence": {
        const u = this.findUser(msg);
        if (!u) return this.reply(msg, { error: 1, errorText: "not found" });
        const contact = str(msg.contact) || "tel:";
        model.setPresence(
          u.guid,
          { contact, activity: str(msg.activity), note: str(msg.note) },
          this.ctx.options.clearDeletesSlot,
        );
        this.reply(msg);
        return;
      }
      case "AddAlienCall": {
        if (this.ctx.options.alienCalls === false) return;
        const guid = this.scopeUser;
        if (!guid || !model.users.has(guid)) return this.reply(msg, { error: 1, errorText: "no user" });
        const call = model.startCall(guid, { direction: "in", peer: "alien" });
        model.answerCall(call.id);
        return this.reply(msg, { id: call.id });
      }
      case "DelAlienCall": {
        if (this.ctx.options.alienCalls === false) return;
        if (model.calls.has(str(msg.id))) model.endCall(str(msg.id));
        return this.reply(msg);
      }
      case "GetDiversion":
      case "AddDiversion":
      case "DelDiversion":
        if (this.ctx.options.diversions === false) return;
        return this.diversion(mt, msg);
      case "GetNodeInfo":
        return this.reply(msg, {
          name: "root",
          prefix_intl: "00",
          prefix_ntl: "0",
          prefix_subs: "",
          country_code: "49",
        });
    }
  }

  /** 14r1 non-admin diversions: entries without Boolean, filter or precedence (§9.5). */
  private diversion(mt: string, msg: Msg) {
    return this.reply(msg, diversionResult(mt, msg, this.findUser(msg), this.ctx.model));
  }

  // ------------------------------------------------------------------ PbxTableUsers

  private tableUsers(mt: string, msg: Msg) {
    if (mt === "ReplicateStart") {
      const requested = msg.columns && typeof msg.columns === "object" ? Object.keys(msg.columns) : [];
      const columns = new Set(requested.filter((c) => SUPPORTED_COLUMNS.includes(c)));
      if (!columns.has("guid")) columns.add("guid");
      this.replication = {
        src: msg.src,
        columns,
        sent: new Set(),
        done: false,
        queue: [],
        cursor: this.ctx.model.users.values(),
      };
      const cols: Record<string, unknown> = {};
      for (const c of columns) cols[c] = {};
      this.reply(msg, { columns: cols, guid: this.ctx.dbGuid, usn: this.ctx.model.usn });
      return;
    }
    if (mt === "ReplicateNext") {
      const r = this.replication;
      if (!r) return this.reply(msg);
      for (let it = r.cursor.next(); !it.done; it = r.cursor.next()) {
        const u = it.value;
        if (r.sent.has(u.guid)) continue;
        r.sent.add(u.guid);
        this.reply(msg, { usn: u.usn, columns: replicationRow(u, r.columns) });
        return;
      }
      this.reply(msg); // row-less result: initial dump done
      if (!r.done) {
        r.done = true;
        for (const q of r.queue.splice(0)) this.out(q);
      }
    }
  }

  // ------------------------------------------------------------------ PbxAdminApi

  private adminApi(mt: string, msg: Msg) {
    const body = adminApiResult(mt, msg, this.ctx.model, this.ctx.options);
    if (body) this.reply(msg, body);
  }

  // ------------------------------------------------------------------ RCC

  private rccVisible(u: SimUser): boolean {
    return !u.apps || (this.app !== undefined && u.apps.includes(this.app.name));
  }

  private rccApi(mt: string, msg: Msg) {
    const model = this.ctx.model;
    if (mt === "Initialize") {
      this.rcc = { src: msg.src, calls: msg.calls === true, ready: false };
      const limit = Math.max(1, Math.min(50, typeof msg.limit === "number" ? msg.limit : 50));
      const users = [...model.users.values()].filter((u) => this.rccVisible(u));
      const tickMs = this.ctx.options.rccTickMs ?? 20;
      let i = 0;
      const rcc = this.rcc;
      const tick = () => {
        if (this.rcc !== rcc) return;
        for (const u of users.slice(i, i + limit))
          this.indicate("RCC", msg.src, userInfoMessage(u, this.ctx.model));
        i += limit;
        if (i < users.length) {
          setTimeout(tick, tickMs);
          return;
        }

        if (rcc.calls)
          for (const c of model.calls.values())
            this.indicate("RCC", msg.src, callAddMessage(c, this.ctx.model));
        rcc.ready = true;
        this.reply(msg, {});
      };
      tick();
      return;
    }
    if (mt === "UserInitialize") {
      const u = [...model.users.values()].find((x) => x.cn === msg.cn || x.h323 === msg.cn);
      if (!u) return this.reply(msg, { error: 1, errorText: "not found" });
      this.reply(msg, { user: u.guid });
      for (const c of model.callsOf(u.guid)) {
        this.indicate("RCC", msg.src, {
          mt: "CallInfo",
          user: u.guid,
          call: Number(c.id),
          state: c.state,
          peer: { e164: c.peer },
          msg: "update",
        });
      }
      return;
    }
    if (mt === "UserEnd") return this.reply(msg);
  }

  /** The presence array as this watcher may see it (note / on-the-phone filtered by its Visibility rights). */
  private presenceFor(u: SimUser, rights: { note: boolean; otf: boolean }) {
    const items = this.ctx.model.presenceArray(u, rights.otf);
    return rights.note ? items : items.map((p) => ({ ...p, note: "" }));
  }

  // ------------------------------------------------------------------ model changes → indications

  private onModel(e: ModelEvent): void {
    if (!this.app) return;
    const apis = this.app.apis ?? SIM_ALL_APIS;
    if (e.kind === "user") {
      const r = this.replication;
      if (r && apis.includes("PbxTableUsers")) {
        const mt = e.op === "add" ? "ReplicateAdd" : e.op === "update" ? "ReplicateUpdate" : "ReplicateDel";
        const columns = e.op === "del" ? { guid: e.user.guid } : replicationRow(e.user, r.columns);
        const m: Msg = { mt, api: "PbxTableUsers", columns, usn: e.user.usn };
        if (r.src !== undefined) m.src = r.src;
        if (r.done) this.out(m);
        else if (r.sent.has(e.user.guid)) r.queue.push(m); // unsent rows go out later with current data
      }
      if (this.rcc?.ready && apis.includes("RCC") && this.rccVisible(e.user)) {
        const info =
          e.op === "del"
            ? { mt: "UserInfo", update: "del", guid: e.user.guid, cn: e.user.cn }
            : { ...userInfoMessage(e.user, this.ctx.model), update: "update" };
        this.indicate("RCC", this.rcc.src, info);
      }
      if (e.op === "del") {
        for (const [k, sub] of this.presenceSubs.entries()) {
          if (sub.guid === e.user.guid) {
            this.indicate("PbxApi", sub.src, { mt: "PresenceState", up: false });
            this.presenceSubs.delete(k);
          }
        }
      }
      return;
    }
    if (e.kind === "presence") {
      if (!apis.includes("PbxApi")) return;
      for (const sub of this.presenceSubs.ofUser(e.user.guid)) {
        this.indicate("PbxApi", sub.src, { mt: "PresenceUpdate", presence: this.presenceFor(e.user, sub) });
      }
      return;
    }
    if (e.kind === "call" && this.rcc?.calls && apis.includes("RCC")) {
      const c = e.call;
      if (e.op === "add") this.indicate("RCC", this.rcc.src, callAddMessage(c, this.ctx.model));
      else if (e.op === "update") {
        this.indicate("RCC", this.rcc.src, {
          mt: "CallUpdate",
          call: Number(c.id),
          msg: e.msg,
          state: c.state,
          local: {
            h323: this.ctx.model.users.get(c.guid)?.h323 ?? "",
            e164: this.ctx.model.users.get(c.guid)?.e164 ?? "",
          },
          remote: { e164: c.peer },
        });
      } else this.indicate("RCC", this.rcc.src, { mt: "CallDel", call: Number(c.id) });
    }
  }
}
