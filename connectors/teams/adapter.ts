// The Teams adapter (engine/ports/adapters.ts TeamsAdapter): wires tokens, the Graph client, presence reads,
// subscriptions, the webhook handler and presence writes into one supervised connector with a status line.
// Push (subscriptions through signed-in service accounts) where possible, batch polling for everyone else;
// a full read at start, after gaps and after lifecycle "missed".
import { TypedEmitter } from "../../common/emitter.js";
import { errorMessage, HubError, isHubError } from "../../common/errors.js";
import { logger } from "../../common/log.js";
import type { TeamsPresencePair } from "../../engine/presence.js";
import type {
  ConnectorState,
  ConnectorStatus,
  TeamsAdapter,
  TeamsAdapterEvents,
  TeamsUser,
} from "../../engine/ports/adapters.js";
import { resolveTeamsConfig, type ResolvedTeamsConfig, type TeamsConfig } from "./config.js";
import {
  type EncryptedContent,
  generateEncryptionCertificate,
  NotificationKeyring,
  ValidationTokenVerifier,
} from "./crypto.js";
import { listTenantUsers } from "./directory.js";
import { GraphClient } from "./graph-client.js";
import { createHttpTransport, type HttpTransport } from "./http.js";
import { type ObservedPresence, parsePresence, PresenceLedger, readPresences } from "./presence-reader.js";
import { PresenceWriter } from "./presence-writer.js";
import { SubscriptionManager, type SubscriptionSummary } from "./subscriptions.js";
import {
  type AccessTokenSource,
  buildServiceAccountSignInUrl,
  completeServiceAccountSignIn,
  createAppTokenSource,
  type ServiceAccountToken,
  ServiceAccountTokenSource,
  type SignInStart,
  type TokenStore,
} from "./tokens.js";
import type { TeamsWebhookHandler } from "./webhook.js";

const log = logger("teams");

export interface TeamsAdapterDeps {
  /** Where service-account refresh tokens live (the hub's encrypted store). Without it: polling only. */
  tokenStore?: TokenStore;
  /** Shared transport (tests, custom agents); created from the config otherwise. */
  transport?: HttpTransport;
  /** Pre-generated notification certificate keyring (e.g. restored from the store). */
  keyring?: NotificationKeyring;
}

export interface WebhookStats {
  bodies: number;
  items: number;
  accepted: number;
  ignoredClientState: number;
  decryptFailed: number;
  tokenRejected: number;
  basic: number;
  lifecycle: number;
}

/** TeamsAdapter plus the parts the hub's web server and admin UI use. */
export interface TeamsConnector extends TeamsAdapter, TeamsWebhookHandler {
  readonly config: ResolvedTeamsConfig;
  /** Full presence read of all watched users (e.g. after the web server was down). */
  resync(reason?: string): Promise<void>;
  /** Sign-in URL for a service account (keep `state` and `codeVerifier` for completeSignIn). */
  serviceAccountSignIn(redirectUri: string, loginHint?: string): SignInStart;
  /** Finish a service-account sign-in and start using it. */
  completeSignIn(options: {
    callbackUrl: string;
    redirectUri: string;
    expectedState: string;
    codeVerifier: string;
  }): Promise<ServiceAccountToken>;
  /**
   * Generate a new notification certificate; subscriptions switch to it at their next renewal (the old key
   * stays in the keyring so items encrypted before the switch still decrypt).
   */
  rotateEncryptionCertificate(): Promise<void>;
  /** Re-read the token store (after a service account was added or removed) and re-shard subscriptions. */
  reloadServiceAccounts(): Promise<void>;
  subscriptionSummary(): SubscriptionSummary | undefined;
  webhookStats(): WebhookStats;
  /** Resolves when every webhook body received so far has been processed (tests, bench). */
  idle(): Promise<void>;
}

export function createTeamsAdapter(config: TeamsConfig, deps: TeamsAdapterDeps = {}): TeamsConnector {
  return new TeamsAdapterImpl(resolveTeamsConfig(config), deps);
}

class TeamsAdapterImpl extends TypedEmitter<TeamsAdapterEvents> implements TeamsConnector {
  readonly config: ResolvedTeamsConfig;
  private readonly transport: HttpTransport;
  private readonly ownsTransport: boolean;
  private readonly graph: GraphClient;
  private readonly appToken: AccessTokenSource;
  private readonly writer: PresenceWriter;
  private readonly ledger = new PresenceLedger();
  private readonly verifier: ValidationTokenVerifier;
  private keyring?: NotificationKeyring;
  private subs?: SubscriptionManager;
  private watched = new Set<string>();
  private polled = new Set<string>();
  private current: ConnectorStatus = {
    state: "offline",
    reason: "Not started",
    since: new Date().toISOString(),
  };
  private running = false;
  private runId = 0;
  private pollTimer?: NodeJS.Timeout;
  private retryTimer?: NodeJS.Timeout;
  private watchTimer?: NodeJS.Timeout;
  private readTimer?: NodeJS.Timeout;
  private pendingReads = new Set<string>();
  private newlyWatched = new Set<string>();
  private webhookChain: Promise<void> = Promise.resolve();
  private failures = 0;
  private lastFullRead = 0;
  private probeTimer?: NodeJS.Timeout;
  /** The hub's own notification URL did not answer the last probe. */
  private webhookDown = false;
  private warnedNullTokens = false;
  private ready = false;
  private readonly stats: WebhookStats = {
    bodies: 0,
    items: 0,
    accepted: 0,
    ignoredClientState: 0,
    decryptFailed: 0,
    tokenRejected: 0,
    basic: 0,
    lifecycle: 0,
  };

  constructor(
    cfg: ResolvedTeamsConfig,
    private readonly deps: TeamsAdapterDeps,
  ) {
    super();
    this.config = cfg;
    this.ownsTransport = !deps.transport;
    this.transport =
      deps.transport ?? createHttpTransport({ caPem: cfg.caPem, timeoutMs: cfg.requestTimeoutMs });
    this.graph = new GraphClient(cfg, this.transport);
    this.appToken = createAppTokenSource(cfg, this.transport);
    this.writer = new PresenceWriter(cfg, this.graph, this.appToken);
    this.verifier = new ValidationTokenVerifier(cfg, this.transport);
    this.keyring = deps.keyring;
  }

  // ------------------------------------------------------------ lifecycle

  start(): void {
    if (this.running) return;
    this.running = true;
    this.failures = 0;
    void this.run(++this.runId);
  }

  async stop(): Promise<void> {
    this.running = false;
    this.runId++;
    for (const t of [this.pollTimer, this.retryTimer, this.watchTimer, this.readTimer, this.probeTimer]) {
      if (t) clearTimeout(t);
    }
    this.webhookDown = false;
    this.writer.stop();
    const subs = this.subs;
    this.subs = undefined;
    await subs?.stop(true);
    await this.webhookChain.catch(() => undefined);
    this.graph.close();
    if (this.ownsTransport) this.transport.close();
    this.ready = false;
    this.setStatus("offline", "Stopped");
  }

  status(): ConnectorStatus {
    return { ...this.current };
  }

  private setStatus(state: ConnectorState, reason: string, retryAt?: number): void {
    if (this.current.state === state && this.current.reason === reason) return;
    this.current = {
      state,
      reason,
      since: new Date().toISOString(),
      ...(retryAt ? { retryAt: new Date(retryAt).toISOString() } : {}),
    };
    log.info({ state, reason }, "teams connector status");
    this.emit("status", this.status());
  }

  private async run(id: number): Promise<void> {
    this.setStatus("connecting", "Signing in to Microsoft 365");
    try {
      await this.appToken.getToken();
      if (id !== this.runId) return;
      const accounts = await this.loadServiceAccounts();
      if (id !== this.runId) return;
      if (this.config.notificationUrl && accounts.length > 0) {
        if (this.config.richNotifications && !this.keyring?.current()) {
          this.keyring ??= new NotificationKeyring();
          this.keyring.add(await generateEncryptionCertificate());
          // Certificate generation is slow (RSA): a newer run may have started meanwhile (e.g. a second
          // service-account sign-in); a stale run must not replace that run's subscription manager.
          if (id !== this.runId) return;
        }
        void this.subs?.stop(true);
        this.subs = new SubscriptionManager(this.config, this.graph, accounts, this.keyring, {
          resync: (ids, reason) => this.queueRead(ids, reason),
          changed: () => this.refreshStatus(),
        });
      }
      this.newlyWatched.clear();
      this.subs?.setUsers([...this.watched]);
      await this.readAndEmit([...this.watched], "start");
      this.lastFullRead = Date.now();
      if (id !== this.runId) return;
      this.ready = true;
      this.applyCoverage();
      this.failures = 0;
      this.schedulePoll();
      this.scheduleProbe();
      this.refreshStatus();
      this.emit("synchronized");
    } catch (e) {
      if (id !== this.runId) return;
      this.onRunError(e);
    }
  }

  private onRunError(e: unknown): void {
    this.failures++;
    const auth = isHubError(e, "AUTH_FAILED") || isHubError(e, "ACCESS_DENIED");
    // Wrong credentials will not fix themselves quickly: retry slowly so a corrected secret is picked up.
    const delay = auth
      ? Math.max(this.config.maxBackoffMs, 1000)
      : Math.min(this.config.baseBackoffMs * 2 ** Math.min(this.failures, 8), this.config.maxBackoffMs);
    const retryAt = Date.now() + delay;
    if (auth) this.setStatus("auth_failed", `Microsoft 365 sign-in failed: ${errorMessage(e)}`, retryAt);
    else if (isHubError(e, "CONFIG_INVALID"))
      this.setStatus("error", `Microsoft 365 configuration problem: ${errorMessage(e)}`, retryAt);
    else
      this.setStatus(
        "backoff",
        `Microsoft 365 ${isHubError(e, "CONNECT_FAILED") || isHubError(e, "TIMEOUT") ? "unreachable" : "request failed"}: ${errorMessage(e)}`,
        retryAt,
      );
    this.retryTimer = setTimeout(() => {
      if (this.running) void this.run(++this.runId);
    }, delay);
    this.retryTimer.unref?.();
  }

  private async loadServiceAccounts(): Promise<ServiceAccountTokenSource[]> {
    if (!this.deps.tokenStore) return [];
    const tokens = await this.deps.tokenStore.load();
    return tokens.map(
      (t) => new ServiceAccountTokenSource(this.config, this.transport, t, this.deps.tokenStore!),
    );
  }

  private refreshStatus(): void {
    if (!this.ready || !this.running) return;
    const n = this.watched.size;
    const summary = this.subs?.summary();
    const pollEvery = `${Math.round(this.config.pollIntervalMs / 1000)} s`;
    if (!this.config.notificationUrl) {
      this.setStatus(
        "online",
        `Polling ${n} users every ${pollEvery} (no public notification URL configured)`,
      );
    } else if (!this.subs) {
      this.setStatus("online", `Polling ${n} users every ${pollEvery} (no service account signed in)`);
    } else {
      const covered = summary?.coveredUsers ?? 0;
      const parts = [
        `Live notifications for ${covered} of ${n} users through ${summary?.active ?? 0} subscriptions`,
      ];
      if (this.webhookDown)
        parts.push(`the hub cannot reach its own notification URL, polling all ${n} every ${pollEvery}`);
      else if (n > covered) parts.push(`polling ${n - covered} every ${pollEvery}`);
      if (summary?.errors.length) parts.push(`problem: ${summary.errors[0]}`);
      this.setStatus("online", parts.join("; "));
    }
    this.applyCoverage();
  }

  /** Users not covered by a live subscription are polled. */
  private applyCoverage(): void {
    const covered = this.webhookDown ? new Set<string>() : (this.subs?.covered() ?? new Set<string>());
    this.polled = new Set([...this.watched].filter((id) => !covered.has(id)));
  }

  /** Webhook outage detection: a validation-style request to our own public URL (answered without processing). */
  private scheduleProbe(): void {
    if (this.probeTimer) clearTimeout(this.probeTimer);
    if (
      !this.running ||
      !this.subs ||
      !this.config.notificationUrl ||
      this.config.webhookProbeIntervalMs <= 0
    )
      return;
    this.probeTimer = setTimeout(async () => {
      const token = `presence-hub probe ${Date.now()}`;
      const url = this.config.notificationUrl!;
      let ok = false;
      try {
        const res = await this.transport.request({
          method: "POST",
          url: `${url}${url.includes("?") ? "&" : "?"}validationToken=${encodeURIComponent(token)}`,
          headers: { "content-type": "text/plain" },
          body: "",
          timeoutMs: 10_000,
        });
        ok = res.status === 200 && res.body === token;
      } catch {
        ok = false;
      }
      if (!this.running) return;
      if (!ok && !this.webhookDown) {
        this.webhookDown = true;
        log.warn("the notification URL does not answer; polling every watched user until it does");
        this.refreshStatus();
      } else if (ok && this.webhookDown) {
        this.webhookDown = false;
        log.info("the notification URL answers again; reading all presence once");
        this.queueRead([...this.watched], "webhook outage over");
        this.refreshStatus();
      }
      this.scheduleProbe();
    }, this.config.webhookProbeIntervalMs);
    this.probeTimer.unref?.();
  }

  private schedulePoll(): void {
    if (this.pollTimer) clearTimeout(this.pollTimer);
    if (!this.running) return;
    this.pollTimer = setTimeout(async () => {
      const reconcile =
        this.config.reconcileIntervalMs > 0 &&
        Date.now() - this.lastFullRead >= this.config.reconcileIntervalMs;
      const ids = reconcile ? [...this.watched] : [...this.polled];
      if (reconcile) this.lastFullRead = Date.now();
      if (ids.length > 0) {
        try {
          await this.readAndEmit(ids, "poll");
          if (this.current.state !== "online") this.refreshStatus();
        } catch (e) {
          if (isHubError(e, "AUTH_FAILED"))
            this.setStatus("auth_failed", `Microsoft 365 sign-in failed: ${errorMessage(e)}`);
          else
            this.setStatus(
              "backoff",
              `Presence poll failed: ${errorMessage(e)}`,
              Date.now() + this.config.pollIntervalMs,
            );
        }
      }
      this.schedulePoll();
    }, this.config.pollIntervalMs);
    this.pollTimer.unref?.();
  }

  // ------------------------------------------------------------ reads

  private accept(p: ObservedPresence): void {
    if (!this.watched.has(p.userId)) return;
    if (this.ledger.accept(p)) this.emit("presence", p.userId, p.presence);
  }

  private async readAndEmit(ids: string[], reason: string): Promise<void> {
    if (ids.length === 0) return;
    const list = await readPresences(this.graph, this.appToken, ids);
    log.debug({ users: ids.length, reason }, "presence read");
    for (const p of list) this.accept(p);
  }

  /** Collect users to read (basic notifications, resyncs) and read them in one batched call shortly after. */
  private queueRead(ids: readonly string[], reason: string): void {
    for (const id of ids) this.pendingReads.add(id);
    if (this.readTimer) return;
    this.readTimer = setTimeout(() => {
      this.readTimer = undefined;
      const batch = [...this.pendingReads];
      this.pendingReads.clear();
      this.readAndEmit(batch, reason).catch((e: unknown) => {
        log.warn({ err: errorMessage(e), users: batch.length }, "presence read failed; will retry");
        if (this.running) this.queueRead(batch, reason);
      });
    }, 100);
    this.readTimer.unref?.();
  }

  async resync(reason = "resync"): Promise<void> {
    await this.readAndEmit([...this.watched], reason);
    this.emit("synchronized");
  }

  watch(userIds: readonly string[]): void {
    const next = new Set(userIds);
    for (const id of next) if (!this.watched.has(id)) this.newlyWatched.add(id);
    for (const id of this.watched) if (!next.has(id)) this.ledger.forget(id);
    this.watched = next;
    if (this.watchTimer) return;
    // Coalesce bursts of watch() calls into one subscription reshuffle and one read.
    this.watchTimer = setTimeout(() => {
      this.watchTimer = undefined;
      if (!this.ready) return;
      this.subs?.setUsers([...this.watched]);
      this.applyCoverage();
      const fresh = [...this.newlyWatched].filter((id) => this.watched.has(id));
      this.newlyWatched.clear();
      if (fresh.length) this.queueRead(fresh, "watch");
      this.refreshStatus();
    }, 20);
    this.watchTimer.unref?.();
  }

  // ------------------------------------------------------------ webhook

  handleNotifications(body: unknown): void {
    this.stats.bodies++;
    this.webhookChain = this.webhookChain
      .then(() => this.processNotifications(body))
      .catch((e: unknown) => {
        log.warn({ err: errorMessage(e) }, "notification processing failed");
      });
  }

  handleLifecycle(body: unknown): void {
    this.webhookChain = this.webhookChain
      .then(() => this.processLifecycle(body))
      .catch((e: unknown) => {
        log.warn({ err: errorMessage(e) }, "lifecycle processing failed");
      });
  }

  /** Resolves when every webhook body received so far is processed (tests, bench). */
  idle(): Promise<void> {
    return this.webhookChain;
  }

  private async processLifecycle(body: unknown): Promise<void> {
    const items = (body as { value?: unknown[] } | undefined)?.value;
    if (!Array.isArray(items)) return;
    for (const raw of items) {
      const it = raw as { subscriptionId?: string; clientState?: string; lifecycleEvent?: string };
      this.stats.lifecycle++;
      if (!this.subs?.lifecycle(it.subscriptionId, it.clientState, String(it.lifecycleEvent))) {
        this.stats.ignoredClientState++;
        log.warn(
          { subscriptionId: it.subscriptionId, event: it.lifecycleEvent },
          "lifecycle notification for an unknown subscription or with a wrong clientState ignored",
        );
      }
    }
  }

  private async processNotifications(body: unknown): Promise<void> {
    const b = body as { value?: unknown[]; validationTokens?: unknown } | undefined;
    if (!b || !Array.isArray(b.value)) return;
    let tokensChecked: boolean | undefined;
    // The RSA step of every authenticated (clientState-matching) encrypted item starts now and runs on the
    // thread pool in parallel; the loop below consumes the results in order.
    const decrypting = new Map<unknown, Promise<unknown>>();
    const keyring = this.keyring;
    if (keyring) {
      for (const raw of b.value) {
        const it = raw as {
          subscriptionId?: string;
          clientState?: string;
          encryptedContent?: EncryptedContent;
        };
        if (!it?.encryptedContent || !this.subs?.matches(it.subscriptionId, it.clientState)) continue;
        const pending = keyring.decryptAsync(it.encryptedContent);
        pending.catch(() => undefined); // handled where the item is processed
        decrypting.set(raw, pending);
      }
    }
    let n = 0;
    for (const raw of b.value) {
      // Parsing and bookkeeping stay on the event loop: yield now and then so acknowledgements keep flowing (§3.4).
      if (++n % 16 === 0) await new Promise<void>((r) => setImmediate(r));
      this.stats.items++;
      const it = raw as {
        subscriptionId?: string;
        clientState?: string;
        lifecycleEvent?: string;
        tenantId?: string;
        resource?: string;
        resourceData?: { id?: string };
        encryptedContent?: EncryptedContent;
      };
      if (it.lifecycleEvent) {
        await this.processLifecycle({ value: [it] });
        continue;
      }
      if (!this.subs?.matches(it.subscriptionId, it.clientState)) {
        this.stats.ignoredClientState++;
        log.warn(
          { subscriptionId: it.subscriptionId },
          "notification with an unknown subscription or a wrong clientState ignored",
        );
        continue;
      }
      const userId = it.resourceData?.id ?? /presences\/([^/?]+)/.exec(it.resource ?? "")?.[1];
      if (it.encryptedContent && this.keyring) {
        if (tokensChecked === undefined)
          tokensChecked = await this.checkValidationTokens(b.validationTokens, it.tenantId);
        if (!tokensChecked) {
          this.stats.tokenRejected++;
          continue;
        }
        let data: unknown;
        try {
          data = await (decrypting.get(raw) ?? this.keyring.decryptAsync(it.encryptedContent));
        } catch (e) {
          this.stats.decryptFailed++;
          log.warn(
            { subscriptionId: it.subscriptionId, err: errorMessage(e) },
            "encrypted notification rejected",
          );
          continue;
        }
        const p = parsePresence(data, userId);
        if (p) {
          this.stats.accepted++;
          this.accept(p);
        }
      } else if (userId) {
        // Basic notification: fetch the new state in a batched read.
        this.stats.basic++;
        this.stats.accepted++;
        this.queueRead([userId], "notification");
      }
    }
  }

  private async checkValidationTokens(tokens: unknown, tenantId: string | undefined): Promise<boolean> {
    if (tokens === undefined || tokens === null || (Array.isArray(tokens) && tokens.length === 0)) {
      if (!this.warnedNullTokens) {
        this.warnedNullTokens = true;
        log.warn(
          "rich notifications arrive without validationTokens: the app's service principal is misconfigured (appRoleAssignmentRequired)",
        );
      }
      return true;
    }
    if (!Array.isArray(tokens)) return false;
    try {
      for (const t of tokens) await this.verifier.verify(String(t), tenantId ?? "");
      return true;
    } catch (e) {
      log.warn({ err: errorMessage(e) }, "notification validationToken rejected; batch dropped");
      return false;
    }
  }

  webhookStats(): WebhookStats {
    return { ...this.stats };
  }

  subscriptionSummary(): SubscriptionSummary | undefined {
    return this.subs?.summary();
  }

  // ------------------------------------------------------------ writes and directory

  setPresence(userId: string, presence: TeamsPresencePair): Promise<void> {
    return this.writer.set(userId, presence);
  }

  clearPresence(userId: string): Promise<void> {
    return this.writer.clear(userId);
  }

  listUsers(): Promise<TeamsUser[]> {
    return listTenantUsers(this.graph, this.appToken);
  }

  // ------------------------------------------------------------ service accounts

  serviceAccountSignIn(redirectUri: string, loginHint?: string): SignInStart {
    return buildServiceAccountSignInUrl(this.config, { redirectUri, loginHint });
  }

  async completeSignIn(options: {
    callbackUrl: string;
    redirectUri: string;
    expectedState: string;
    codeVerifier: string;
  }): Promise<ServiceAccountToken> {
    if (!this.deps.tokenStore)
      throw new HubError("CONFIG_INVALID", "No token store configured for service accounts");
    const token = await completeServiceAccountSignIn(this.config, this.transport, {
      ...options,
      store: this.deps.tokenStore,
    });
    await this.reloadServiceAccounts();
    return token;
  }

  async rotateEncryptionCertificate(): Promise<void> {
    this.keyring ??= new NotificationKeyring();
    this.keyring.add(await generateEncryptionCertificate());
  }

  async reloadServiceAccounts(): Promise<void> {
    if (!this.running) return;
    // Re-run the start sequence: subscriptions are re-sharded over the accounts now in the store.
    const subs = this.subs;
    this.subs = undefined;
    this.ready = false;
    await subs?.stop(true);
    void this.run(++this.runId);
  }
}
