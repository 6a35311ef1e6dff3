// The Teams adapter (engine/ports/adapters.ts TeamsAdapter): wires tokens, the Graph client, presence reads,
// subscriptions, the webhook handler and presence writes into one supervised connector with a status line.
// Push (subscriptions through signed-in service accounts) where possible, batch polling for everyone else;
// a full read at start, after gaps and after lifecycle "missed". The start sequence runs as a session of
// the shared supervisor (common/supervisor.ts), like the innovaphone connection.
import { TypedEmitter } from "../../common/emitter.js";
import { count } from "../../common/plural.js";
import { errorMessage, HubError, isHubError } from "../../common/errors.js";
import { logger } from "../../common/log.js";
import { perSizeInterval, Throttle } from "../../common/throttle.js";
import { type Failure, type Session, Supervisor } from "../../common/supervisor.js";
import type { TeamsPresencePair } from "../../engine/presence.js";
import type {
  ConnectorStatus,
  TeamsAdapter,
  TeamsAdapterEvents,
  TeamsUser,
} from "../../engine/ports/adapters.js";
import { CertificateManager, type CertificateStore } from "./certificates.js";
import { resolveTeamsConfig, type ResolvedTeamsConfig, type TeamsConfig } from "./config.js";
import { NotificationKeyring, ValidationTokenVerifier } from "./crypto.js";
import { listTenantUsers } from "./directory.js";
import { GraphClient } from "./graph-client.js";
import { createHttpTransport, type HttpTransport } from "./http.js";
import { NotificationProcessor, type WebhookStats } from "./notifications.js";
import { type ObservedPresence, PresenceLedger, readPresences } from "./presence-reader.js";
import { PresenceReads } from "./presence-reads.js";
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
import { WebhookProbe } from "./webhook-probe.js";

const log = logger("teams");

export type { WebhookStats } from "./notifications.js";

export interface TeamsAdapterDeps {
  /** Where service-account refresh tokens live (the hub's encrypted store). Without it: polling only. */
  tokenStore?: TokenStore;
  /** Shared transport (tests, custom agents); created from the config otherwise. */
  transport?: HttpTransport;
  /** Where the notification encryption certificates are kept (the hub's encrypted store). Without it a
   * new certificate is generated per start. */
  certificateStore?: CertificateStore;
  /** A pre-filled notification certificate keyring (tests). */
  keyring?: NotificationKeyring;
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

/**
 * Unlike the PBX, wrong credentials are retried — slowly, at the backoff cap: a corrected or newly
 * propagated client secret (Entra ID takes minutes) is picked up without an admin restarting anything.
 * A configuration problem is shown as an error but retried too (e.g. the tenant's app not yet consented).
 */
function classifyTeamsFailure(e: unknown): Failure {
  const msg = errorMessage(e);
  if (isHubError(e, "AUTH_FAILED") || isHubError(e, "ACCESS_DENIED"))
    return { state: "auth_failed", reason: `Microsoft 365 sign-in failed: ${msg}`, retry: "slow" };
  if (isHubError(e, "CONFIG_INVALID"))
    return { state: "error", reason: `Microsoft 365 configuration problem: ${msg}`, retry: "backoff" };
  const what = isHubError(e, "CONNECT_FAILED") || isHubError(e, "TIMEOUT") ? "unreachable" : "request failed";
  return { state: "backoff", reason: `Microsoft 365 ${what}: ${msg}`, retry: "backoff" };
}

class TeamsAdapterImpl extends TypedEmitter<TeamsAdapterEvents> implements TeamsConnector {
  readonly config: ResolvedTeamsConfig;
  private readonly transport: HttpTransport;
  private readonly ownsTransport: boolean;
  private readonly graph: GraphClient;
  private readonly appToken: AccessTokenSource;
  private readonly writer: PresenceWriter;
  private readonly ledger = new PresenceLedger();
  private readonly certs: CertificateManager;
  private subs?: SubscriptionManager;
  private watched = new Set<string>();
  private readonly supervisor: Supervisor;
  private pollTimer?: NodeJS.Timeout;
  private watchTimer?: NodeJS.Timeout;
  private readonly reads = new PresenceReads({
    read: (ids) => readPresences(this.graph, this.appToken, ids),
    watched: (id) => this.watched.has(id),
    accept: (p) => this.accept(p),
    active: () => this.supervisor.active,
  });
  private newlyWatched = new Set<string>();
  private readonly notifications: NotificationProcessor;
  private lastFullRead = 0;
  private probe?: WebhookProbe;
  /** The hub's own notification URL did not answer the last probe. */
  private webhookDown = false;
  /** A session is in place (start sequence done): live status text, polling, probing, watch changes. */
  private ready = false;
  /**
   * Status line and polled set are O(watched users); every shard's subscription change asks for them, so
   * the requests are coalesced (100,000 users: 154 shards, each changing several times during a start).
   */
  private readonly statusUpdate = new Throttle(
    () => this.refreshStatus(),
    () => perSizeInterval(this.watched.size),
  );

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
    this.certs = new CertificateManager(
      deps.keyring ?? new NotificationKeyring(),
      deps.certificateStore,
      {
        rotateBeforeMs: cfg.certificateRotateBeforeMs,
        lifetimeDays: cfg.certificateLifetimeDays,
        checkIntervalMs: cfg.certificateCheckIntervalMs,
      },
      log,
    );
    this.notifications = new NotificationProcessor(new ValidationTokenVerifier(cfg, this.transport), {
      subs: () => this.subs,
      // Until a certificate exists (polling, basic notifications) there is nothing to decrypt with.
      keyring: () => (this.certs.keyring.current() ? this.certs.keyring : undefined),
      accept: (p) => this.reads.notified(p),
      queueRead: (ids, reason) => this.reads.queue(ids, reason),
      confirmLater: (ids) => this.reads.confirmLater(ids),
    });
    this.supervisor = new Supervisor(
      (signal) => this.connect(signal),
      (s) => this.emit("status", s),
      log,
      {
        name: "teams",
        connectingReason: "Signing in to Microsoft 365",
        classify: classifyTeamsFailure,
        // The Teams status line has always kept its reasons free of countdowns; retryAt carries the time.
        retryHint: false,
        // Same base and cap as Graph request retries. stableMs 0: a start sequence that got through is
        // success (nothing can "flap" — a Teams session never drops by itself), so the counter resets.
        backoff: { baseMs: cfg.baseBackoffMs, capMs: cfg.maxBackoffMs, stableMs: 0 },
        slowRetryMs: Math.max(cfg.maxBackoffMs, 1000),
      },
    );
  }

  // ------------------------------------------------------------ lifecycle

  start(): void {
    this.supervisor.start();
  }

  async stop(): Promise<void> {
    if (this.watchTimer) clearTimeout(this.watchTimer);
    this.reads.stop();
    this.webhookDown = false;
    this.certs.stopChecks();
    this.writer.stop();
    // Ends the session (subscriptions deleted, polling and probing stopped) → offline "Stopped".
    await this.supervisor.stop();
    // A start sequence that failed or was abandoned may have left its subscription manager behind.
    const subs = this.subs;
    this.subs = undefined;
    await subs?.stop(true);
    await this.notifications.idle();
    this.notifications.close();
    this.graph.close();
    if (this.ownsTransport) this.transport.close();
  }

  status(): ConnectorStatus {
    return this.supervisor.status();
  }

  /** The start sequence: sign in, service accounts, subscriptions, a first full read → a session. */
  private async connect(signal: AbortSignal): Promise<Session> {
    // After every await: a restart (new service accounts) or stop may have abandoned this attempt; a
    // stale attempt must not touch what the newer one set up.
    const current = () => {
      if (signal.aborted)
        throw new HubError("CONNECTION_CLOSED", "Start sequence abandoned (restart or stop)");
    };
    await this.appToken.getToken();
    current();
    const accounts = await this.loadServiceAccounts();
    current();
    if (this.config.notificationUrl && accounts.length > 0) {
      if (this.config.richNotifications) {
        // The stored certificate, or a new one when none is stored or it runs short (certificates.ts).
        await this.certs.ensure();
        this.certs.startChecks();
        // Certificate generation is slow (RSA): a newer attempt may have started meanwhile (e.g. a second
        // service-account sign-in); a stale one must not replace that attempt's subscription manager.
        current();
      }
      void this.subs?.stop(true);
      this.subs = new SubscriptionManager(this.config, this.graph, accounts, this.certs.keyring, {
        resync: (ids, reason) => this.reads.queue(ids, reason),
        changed: () => this.statusUpdate.schedule(),
      });
    }
    this.newlyWatched.clear();
    this.subs?.setUsers([...this.watched]);
    await this.reads.readNow([...this.watched], "start");
    this.lastFullRead = Date.now();
    current();
    const subs = this.subs;
    this.ready = true;
    this.schedulePoll();
    this.scheduleProbe();
    return {
      // There is no connection that could drop: a session ends only by stop or restart. Failed polls and
      // subscriptions degrade the status line (supervisor.report, refreshStatus) while it stays up.
      closed: new Promise<HubError>(() => undefined),
      close: () => this.endSession(subs),
      reason: this.statusText(),
      onOnline: () => {
        this.refreshStatus();
        this.emit("synchronized");
      },
    };
  }

  private async endSession(subs: SubscriptionManager | undefined): Promise<void> {
    this.ready = false;
    if (this.pollTimer) clearTimeout(this.pollTimer);
    this.probe?.stop();
    if (this.subs === subs) this.subs = undefined;
    // Awaited before the next start sequence subscribes: Graph allows one subscription per user.
    await subs?.stop(true);
  }

  private async loadServiceAccounts(): Promise<ServiceAccountTokenSource[]> {
    if (!this.deps.tokenStore) return [];
    const tokens = await this.deps.tokenStore.load();
    return tokens.map(
      (t) => new ServiceAccountTokenSource(this.config, this.transport, t, this.deps.tokenStore!),
    );
  }

  private refreshStatus(): void {
    if (!this.ready) return;
    this.supervisor.setReason(this.statusText());
  }

  /** The online reason: how presence arrives (push, polling) and the first subscription problem. */
  private statusText(): string {
    const n = this.watched.size;
    const users = count(n, "user");
    const pollEvery = `${Math.round(this.config.pollIntervalMs / 1000)} s`;
    if (!this.config.notificationUrl)
      return `Polling ${users} every ${pollEvery} (no public notification URL configured)`;
    if (!this.subs) return `Polling ${users} every ${pollEvery} (no service account signed in)`;
    const summary = this.subs.summary();
    const covered = summary.coveredUsers;
    const parts = [
      `Live notifications for ${covered} of ${users} through ${count(summary.active, "subscription")}`,
    ];
    if (this.webhookDown)
      parts.push(`the hub cannot reach its own notification URL, polling all ${n} every ${pollEvery}`);
    else if (n > covered) parts.push(`polling ${n - covered} every ${pollEvery}`);
    if (summary.errors.length) parts.push(`problem: ${summary.errors[0]}`);
    return parts.join("; ");
  }

  /**
   * Users not covered by a live subscription are polled. Worked out when a poll is due, not on every
   * coverage change: it is O(watched users), and a start changes coverage hundreds of times.
   */
  private uncovered(): string[] {
    if (this.webhookDown || !this.subs) return [...this.watched];
    const covered = this.subs.covered();
    return [...this.watched].filter((id) => !covered.has(id));
  }

  /** Webhook outage detection (webhook-probe.ts): while our own URL does not answer, poll everyone. */
  private scheduleProbe(): void {
    this.probe?.stop();
    if (!this.ready || !this.subs || !this.config.notificationUrl) return;
    this.probe = new WebhookProbe(this.transport, this.config.notificationUrl, this.config.webhookProbeIntervalMs, (ok) => {
      if (!this.ready) return;
      if (!ok && !this.webhookDown) {
        this.webhookDown = true;
        log.warn("the notification URL does not answer; polling every watched user until it does");
        this.refreshStatus();
      } else if (ok && this.webhookDown) {
        this.webhookDown = false;
        log.info("the notification URL answers again; reading all presence once");
        this.reads.queue([...this.watched], "webhook outage over");
        this.refreshStatus();
      }
    });
    this.probe.start();
  }

  private schedulePoll(): void {
    if (this.pollTimer) clearTimeout(this.pollTimer);
    if (!this.ready) return;
    this.pollTimer = setTimeout(async () => {
      const reconcile =
        this.config.reconcileIntervalMs > 0 &&
        Date.now() - this.lastFullRead >= this.config.reconcileIntervalMs;
      const ids = reconcile ? [...this.watched] : this.uncovered();
      if (reconcile) this.lastFullRead = Date.now();
      if (ids.length > 0) {
        try {
          await this.reads.readNow(ids, "poll");
          if (this.supervisor.status().state !== "online") this.refreshStatus();
        } catch (e) {
          // The session stays: the next poll is the retry (at the poll interval, not the backoff).
          if (isHubError(e, "AUTH_FAILED"))
            this.supervisor.report("auth_failed", `Microsoft 365 sign-in failed: ${errorMessage(e)}`);
          else
            this.supervisor.report(
              "backoff",
              `Presence poll failed: ${errorMessage(e)}`,
              new Date(Date.now() + this.config.pollIntervalMs),
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

  async resync(reason = "resync"): Promise<void> {
    await this.reads.readNow([...this.watched], reason);
    this.emit("synchronized");
  }

  watch(userIds: readonly string[]): void {
    const next = new Set(userIds);
    for (const id of next) if (!this.watched.has(id)) this.newlyWatched.add(id);
    for (const id of this.watched)
      if (!next.has(id)) {
        this.ledger.forget(id);
        this.reads.forget(id);
      }
    this.watched = next;
    if (this.watchTimer) return;
    // Coalesce bursts of watch() calls into one subscription reshuffle and one read.
    this.watchTimer = setTimeout(() => {
      this.watchTimer = undefined;
      if (!this.ready) return;
      this.subs?.setUsers([...this.watched]);
      const fresh = [...this.newlyWatched].filter((id) => this.watched.has(id));
      this.newlyWatched.clear();
      if (fresh.length) this.reads.queue(fresh, "watch");
      this.refreshStatus();
    }, 20);
    this.watchTimer.unref?.();
  }

  // ------------------------------------------------------------ webhook (notifications.ts)

  handleNotifications(body: unknown, opts?: { handedOn?: boolean }): void {
    this.notifications.handleNotifications(body, opts);
  }

  handleLifecycle(body: unknown): void {
    this.notifications.handleLifecycle(body);
  }

  owns(subscriptionId: unknown, clientState: unknown): boolean {
    return this.subs?.matches(subscriptionId, clientState) ?? false;
  }

  /** Resolves when every webhook body received so far is processed (tests, bench). */
  idle(): Promise<void> {
    return this.notifications.idle();
  }

  webhookStats(): WebhookStats {
    return this.notifications.webhookStats();
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
    await this.certs.rotateNow();
  }

  async reloadServiceAccounts(): Promise<void> {
    // A new session: subscriptions are re-sharded over the accounts now in the store. Resolves once the
    // old session's subscriptions are deleted; the new start sequence runs on (no-op when not started).
    await this.supervisor.restart();
  }
}
