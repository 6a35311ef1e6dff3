// The innovaphone PbxAdapter: wires the AppWebsocket client, replication, presence subscriptions, the
// CFB fallback and the RCC call monitor to the sync core's contract (engine/ports/adapters.ts), under the
// supervisor. After every (re)connect it re-replicates, re-subscribes, restarts RCC and then emits
// `synchronized` so the core reconciles desired against actual state.
import { TypedEmitter } from "../../common/emitter.js";
import { HubError, isHubError } from "../../common/errors.js";
import { type Logger, logger } from "../../common/log.js";
import { type Session, Supervisor, type SupervisorBackoffOptions } from "../../common/supervisor.js";
import type { CfbEntry, ConnectorStatus, PbxAdapter, PbxAdapterEvents, PbxUser } from "../../engine/ports/adapters.js";
import { addCfb, probeAdminAccess, removeCfb } from "./admin-cfb.js";
import { AppWebsocketClient, appWebsocketUrl, type SocketFactory } from "./client.js";
import { DEFAULT_HUB_CONTACT, type InnovaphoneConfig, validateInnovaphoneConfig } from "./config.js";
import { PresenceSubscriptions, setPresence } from "./presence.js";
import { CallMonitor } from "./rcc.js";
import { replicateUsers, samePbxUser } from "./replication.js";

/** Upper bound for the Admin access probe at connect: a PBX answers a missing API with silence. */
const ADMIN_PROBE_MS = 3000;
const ADMIN_REPROBE_MS = 60_000;
const ADMIN_MISSING =
  "Admin access missing — CFB fallback to the default destination unavailable (enable Admin on the App object)";

export interface InnovaphoneAdapterOptions {
  socketFactory?: SocketFactory;
  /** Reconnect backoff; default 1 s → 60 s, full jitter, counter reset after 60 s up. */
  backoff?: SupervisorBackoffOptions;
  log?: Logger;
}

class InnovaphoneAdapter extends TypedEmitter<PbxAdapterEvents> implements PbxAdapter {
  readonly hubContact: string;
  private readonly log: Logger;
  private readonly supervisor: Supervisor;
  private readonly userMap = new Map<string, PbxUser>();
  private watched = new Set<string>();
  private client: AppWebsocketClient | undefined;
  /** The client of a connect in progress: not the supervisor's session yet, so stop() must close it here. */
  private connecting: AppWebsocketClient | undefined;
  private subs: PresenceSubscriptions | undefined;
  private readonly calls: CallMonitor;
  /** Set once the current session finished its initial sync (live events then act immediately). */
  private synced = false;
  /** PbxAdminApi answered in this session (probed at connect); without it the CFB fallback is unavailable. */
  private adminAccess = true;

  constructor(
    private readonly config: InnovaphoneConfig,
    private readonly options: InnovaphoneAdapterOptions = {},
  ) {
    super();
    this.hubContact = config.hubContact ?? DEFAULT_HUB_CONTACT;
    this.log = options.log ?? logger("innovaphone", { server: config.server, appObject: config.username });
    this.calls = new CallMonitor((guid, state) => this.emit("callState", guid, state));
    // The default failure taxonomy (classifyFailure): a refused login stops — auth_failed, no retries, as
    // retrying bad credentials only locks the App object or floods the PBX log — until the config changes.
    this.supervisor = new Supervisor(() => this.connectOnce(), (s) => this.emit("status", s), this.log, {
      name: "innovaphone",
      connectingReason: "Connecting to the PBX",
      backoff: options.backoff,
    });
  }

  /** Connect attempts so far (diagnostics, tests). */
  get connectAttempts(): number {
    return this.supervisor.attempts;
  }

  start(): void {
    try {
      validateInnovaphoneConfig(this.config);
    } catch (e) {
      this.supervisor.fail("error", (e as Error).message);
      return;
    }
    this.supervisor.start();
  }

  async stop(): Promise<void> {
    const stopping = this.supervisor.stop();
    // Otherwise a hung connect keeps its socket until the connect timeout (and a login phase that never
    // ends, forever); the supervisor then discards the failed attempt because it is no longer running.
    this.connecting?.close("Stopped by the hub");
    await stopping;
  }

  status(): ConnectorStatus {
    return this.supervisor.status();
  }

  users(): PbxUser[] {
    return [...this.userMap.values()];
  }

  watch(guids: readonly string[]): void {
    this.watched = new Set(guids);
    if (this.synced) void this.syncSubscriptions();
  }

  async setPresence(guid: string, activity: string, note: string): Promise<void> {
    const client = this.requireClient();
    const user = this.requireUser(guid);
    await setPresence(client, user, this.hubContact, activity, note, this.config.requestTimeoutMs);
  }

  async addCfb(
    guid: string,
    destination: string,
    options: { adoptExisting?: boolean; precedence?: boolean } = {},
  ): Promise<CfbEntry> {
    this.requireUser(guid);
    return addCfb(this.requireClient(), guid, destination, {
      adoptExisting: options.adoptExisting,
      precedence: options.precedence,
      defaultShape: this.config.cfbShape,
      timeoutMs: this.config.requestTimeoutMs,
    });
  }

  cfbWritable(): boolean {
    return this.adminAccess;
  }

  async removeCfb(guid: string, entry: CfbEntry): Promise<boolean> {
    return removeCfb(this.requireClient(), guid, entry, { timeoutMs: this.config.requestTimeoutMs });
  }

  private requireClient(): AppWebsocketClient {
    const c = this.client;
    if (!c?.isOpen || !this.synced)
      throw new HubError("CONNECTION_CLOSED", "The PBX connection is not online");
    return c;
  }

  private requireUser(guid: string): PbxUser {
    const u = this.userMap.get(guid);
    if (!u) throw new HubError("NOT_FOUND", `No PBX user with guid ${guid}`);
    return u;
  }

  private async connectOnce(): Promise<Session> {
    this.synced = false;
    const c = this.config;
    const client = new AppWebsocketClient({
      url: appWebsocketUrl(c.protocol, c.server, c.port, c.modulePath),
      app: c.username,
      password: c.password,
      tls: c.tls,
      requestTimeoutMs: c.requestTimeoutMs,
      connectTimeoutMs: c.connectTimeoutMs,
      pingIntervalMs: c.pingIntervalMs,
      keepAliveIntervalMs: c.keepAliveIntervalMs,
      deadAfterMs: c.deadAfterMs,
      socketFactory: this.options.socketFactory,
      log: this.log,
    });
    this.connecting = client;
    try {
      return await this.startSession(client);
    } finally {
      if (this.connecting === client) this.connecting = undefined;
    }
  }

  /** Log in on `client` and run the initial sync; on failure the client (and its socket) is closed. */
  private async startSession(client: AppWebsocketClient): Promise<Session> {
    const c = this.config;
    await client.connect();
    const closed = new Promise<HubError>((resolve) => client.on("close", resolve));
    client.on("close", () => {
      if (this.client === client) {
        this.synced = false;
        this.client = undefined;
        this.subs = undefined;
      }
    });
    this.client = client;
    const subs = new PresenceSubscriptions(
      client,
      (guid, items) => this.emit("presence", guid, items),
      this.log,
      c.requestTimeoutMs,
    );
    this.subs = subs;
    // Call state does not wait for the user list: RCC starts now (the PBX paces its user list, 50 per 20 ms —
    // 40 s at 100,000), so it overlaps the replication's one row per round trip instead of following it.
    // Presence subscriptions still follow the replication: sent alongside, they made every ReplicateNext
    // wait behind their answers (100,000 users: cold start 26 → 41 s, docs/evidence.md).
    const rcc = this.calls.start(client, c.requestTimeoutMs).then(
      () => undefined,
      (e: unknown) => e,
    );
    try {
      const seen = await replicateUsers(
        client,
        {
          row: (u) => this.onUserRow(u),
          removed: (guid) => this.onUserRemoved(guid),
        },
        { timeoutMs: c.requestTimeoutMs },
      ).catch((e) => {
        if (isHubError(e, "TIMEOUT")) {
          throw new HubError(
            "ACCESS_DENIED",
            "The PBX does not answer the user list — enable TableUsers on the App object",
          );
        }
        throw e;
      });
      // Users deleted while we were disconnected.
      for (const guid of [...this.userMap.keys()]) if (!seen.has(guid)) this.onUserRemoved(guid);
      await this.subscribeAll(subs, true);
      const degraded: string[] = [];
      const rccError = await rcc;
      if (rccError !== undefined) {
        if (!isHubError(rccError, "TIMEOUT")) throw rccError;
        this.calls.forget();
        degraded.push("RCC not available — PBX call state unknown (enable RCC on the App object)");
        this.log.warn("RCC Initialize not answered; continuing without call state");
      }
      const probeAdmin = async () => {
        const someUser = this.userMap.keys().next().value;
        const timeoutMs = Math.min(c.requestTimeoutMs ?? ADMIN_PROBE_MS, ADMIN_PROBE_MS);
        return someUser === undefined || (await probeAdminAccess(client, someUser, timeoutMs));
      };
      this.adminAccess = await probeAdmin();
      if (!this.adminAccess) {
        degraded.push(ADMIN_MISSING);
        this.log.warn("PbxAdminApi not answered; continuing without the CFB fallback");
        // Probe again now and then: the Admin checkmark may be set later, or one probe reply was lost.
        const reprobe = setInterval(async () => {
          if (this.adminAccess || !(await probeAdmin().catch(() => false)) || this.client !== client) return;
          clearInterval(reprobe);
          this.adminAccess = true;
          degraded.splice(degraded.indexOf(ADMIN_MISSING), 1);
          this.supervisor.setReason(degraded.length ? `Connected; ${degraded.join("; ")}` : "Connected");
          this.log.info("PbxAdminApi answers now; the CFB fallback is available");
          this.emit("synchronized"); // reconcile: users in a Teams call get their fallback now
        }, ADMIN_REPROBE_MS);
        reprobe.unref();
        client.on("close", () => clearInterval(reprobe));
      }
      this.synced = true;
      return {
        closed,
        close: () => client.close("Stopped by the hub"),
        // The supervisor reports "online" first; then the core is asked to reconcile.
        onOnline: () => {
          if (degraded.length) this.supervisor.setReason(`Connected; ${degraded.join("; ")}`);
          // watch() calls that arrived during the initial sync
          void this.syncSubscriptions();
          if (this.client === client && this.synced) this.emit("synchronized");
        },
      };
    } catch (e) {
      client.close("Initial synchronisation failed");
      throw e;
    }
  }

  private onUserRow(row: PbxUser): void {
    const before = this.userMap.get(row.guid);
    // A re-replication after a reconnect repeats every row. Unchanged ones keep the object everyone holds:
    // the new one dies young instead of turning 100,000 long-lived objects into garbage, and nobody is told.
    const u = before && samePbxUser(before, row) ? before : row;
    if (u === row) {
      this.userMap.set(u.guid, u);
      this.emit("user", u);
    }
    // The subscription names the user by h323: a rename needs a fresh subscription.
    if (this.synced && before && before.h323 !== u.h323 && this.subs?.has(u.guid)) {
      const subs = this.subs;
      void subs.unsubscribe(u.guid).then(() => this.syncSubscriptions());
      return;
    }
    if (this.synced && this.watched.has(u.guid) && this.subs && !this.subs.has(u.guid))
      void this.syncSubscriptions();
  }

  private onUserRemoved(guid: string): void {
    if (!this.userMap.delete(guid)) return;
    this.emit("userRemoved", guid);
    if (this.synced && this.subs?.has(guid)) void this.subs.unsubscribe(guid);
  }

  private async syncSubscriptions(): Promise<void> {
    const subs = this.subs;
    if (!subs) return;
    for (const guid of subs.guids()) if (!this.watched.has(guid)) await subs.unsubscribe(guid);
    await this.subscribeAll(subs, false).catch((e) =>
      this.log.warn({ err: String(e) }, "presence subscription failed"),
    );
  }

  /** Subscribe every watched, known, not yet subscribed user. With `strict`, PbxApi silence fails the session. */
  private async subscribeAll(subs: PresenceSubscriptions, strict: boolean): Promise<void> {
    const todo = [...this.watched].filter((g) => this.userMap.has(g) && !subs.has(g));
    if (!todo.length) return;
    const results = await Promise.allSettled(todo.map((g) => subs.subscribe(g, this.userMap.get(g)!.h323)));
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    for (const f of failed) {
      if (isHubError(f.reason, "CONNECTION_CLOSED")) throw f.reason;
    }
    if (strict && failed.length === todo.length && failed.every((f) => isHubError(f.reason, "TIMEOUT"))) {
      throw new HubError(
        "ACCESS_DENIED",
        "PbxApi does not answer — enable the PbxApi checkmark on the App object",
      );
    }
    if (failed.length)
      this.log.warn({ failed: failed.length, of: todo.length }, "some presence subscriptions failed");
  }
}

/** Create the innovaphone connector; call start() to connect. */
export function createInnovaphoneAdapter(
  config: InnovaphoneConfig,
  options: InnovaphoneAdapterOptions = {},
): PbxAdapter & { readonly connectAttempts: number } {
  return new InnovaphoneAdapter(config, options);
}
