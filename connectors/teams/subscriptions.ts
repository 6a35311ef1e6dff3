// Presence subscriptions (msgraph-presence.md §3): one bulk subscription per service account with ≤ 650
// users (Graph allows one presence subscription per app per delegated user), a random clientState per
// subscription, renewal well before the 60-minute expiry, periodic existence checks (subscriptions get
// lost), recreation on 404/expiry/subscriptionRemoved, and resync of the shard's users after every gap.
// Users are assigned to shards stably so that watching one more user recreates at most one subscription.
import { randomBytes } from "node:crypto";
import { Backoff } from "../../common/backoff.js";
import { errorMessage, HubError, isHubError } from "../../common/errors.js";
import { logger } from "../../common/log.js";
import { safeEqual } from "../../common/safe-equal.js";
import type { ResolvedTeamsConfig } from "./config.js";
import type { NotificationKeyring } from "./crypto.js";
import type { GraphClient } from "./graph-client.js";
import type { ServiceAccountTokenSource } from "./tokens.js";

/** How long a shard's user list must be quiet before its subscription is re-created for the new list. */
const USER_CHANGE_SETTLE_MS = 1000;

const log = logger("teams");

export interface SubscriptionHooks {
  /** Read these users' presence now (after a gap in notifications). */
  resync(userIds: string[], reason: string): void;
  /** Coverage or health changed (status line). */
  changed(): void;
}

interface ActiveSubscription {
  id: string;
  clientState: string;
  expiresAt: number;
  /** Sorted user ids the subscription covers. */
  key: string;
  userIds: string[];
  certificateId?: string;
}

interface Shard {
  index: number;
  account: ServiceAccountTokenSource;
  users: Set<string>;
  /** Bumped on every change of `users`: the key of the cached coverage count. */
  usersVersion: number;
  /** How many of `users` the subscription covers, for the subscription and users version it was counted for. */
  coverage?: { sub: ActiveSubscription; usersVersion: number; count: number };
  sub?: ActiveSubscription;
  /** clientState of a create in flight (notifications can race the 201). */
  pendingClientState?: string;
  timer?: NodeJS.Timeout;
  /** Debounces user-list changes into one delete + create. */
  settle?: NodeJS.Timeout;
  chain: Promise<void>;
  /** Retry pacing after failed creates/renewals; reset once the subscription is in place. */
  retry: Backoff;
  lastError?: string;
  cleaned: boolean;
}

interface GraphSubscription {
  id: string;
  resource?: string;
  expirationDateTime?: string;
  applicationId?: string;
}

export interface SubscriptionSummary {
  active: number;
  shards: number;
  coveredUsers: number;
  errors: string[];
}

export class SubscriptionManager {
  private readonly shards: Shard[];
  private readonly assignment = new Map<string, Shard>();
  private stopped = false;

  constructor(
    private readonly cfg: ResolvedTeamsConfig,
    private readonly graph: GraphClient,
    accounts: ServiceAccountTokenSource[],
    private readonly keyring: NotificationKeyring | undefined,
    private readonly hooks: SubscriptionHooks,
  ) {
    this.shards = accounts.map((account, index) => ({
      index,
      account,
      users: new Set(),
      usersVersion: 0,
      chain: Promise.resolve(),
      // Cap at least 1 s whatever maxBackoffMs says (as before): each retry costs a create + validation.
      retry: new Backoff({ baseMs: cfg.baseBackoffMs, capMs: Math.max(cfg.maxBackoffMs, 1000) }),
      cleaned: false,
    }));
  }

  /** Assign users to shards (stable); returns the users no shard can take (they are polled). */
  setUsers(userIds: readonly string[]): string[] {
    const wanted = new Set(userIds);
    const touched = new Set<Shard>();
    for (const [id, shard] of this.assignment) {
      if (!wanted.has(id)) {
        this.assignment.delete(id);
        shard.users.delete(id);
        shard.usersVersion++;
        touched.add(shard);
      }
    }
    const overflow: string[] = [];
    for (const id of wanted) {
      if (this.assignment.has(id)) continue;
      const shard = this.shards.find((s) => s.users.size < this.cfg.usersPerSubscription);
      if (!shard) {
        overflow.push(id);
        continue;
      }
      shard.users.add(id);
      shard.usersVersion++;
      this.assignment.set(id, shard);
      touched.add(shard);
    }
    for (const s of touched) this.reconcileSoon(s);
    return overflow;
  }

  /**
   * Graph cannot change a subscription's resource: a changed user list costs a DELETE and a create with a
   * validation handshake. While users are being matched they arrive in many small steps, so a shard that already
   * has (or is creating) a subscription waits until the list has been quiet for a moment; the first
   * subscription of a shard is created at once.
   */
  private reconcileSoon(shard: Shard): void {
    if (shard.settle) clearTimeout(shard.settle);
    if (!shard.sub && !shard.pendingClientState && !shard.settle) {
      shard.settle = undefined;
      this.enqueue(shard, () => this.reconcile(shard));
      return;
    }
    shard.settle = setTimeout(() => {
      shard.settle = undefined;
      this.enqueue(shard, () => this.reconcile(shard));
    }, USER_CHANGE_SETTLE_MS);
    shard.settle.unref?.();
  }

  /** Users whose notifications currently flow (their shard has a live subscription covering them). */
  covered(): Set<string> {
    const out = new Set<string>();
    for (const s of this.shards) if (s.sub) for (const id of s.sub.userIds) if (s.users.has(id)) out.add(id);
    return out;
  }

  /**
   * covered().size without building the set (a user is assigned to one shard only). The status line asks
   * after every shard's change: each shard's count is kept until its subscription or users change, so a
   * call costs O(shards) rather than O(users) (at 100,000 users this was 12 s of CPU during a start).
   */
  private coveredCount(): number {
    let n = 0;
    for (const s of this.shards) {
      if (!s.sub) continue;
      if (s.coverage?.sub !== s.sub || s.coverage.usersVersion !== s.usersVersion) {
        let count = 0;
        for (const id of s.sub.userIds) if (s.users.has(id)) count++;
        s.coverage = { sub: s.sub, usersVersion: s.usersVersion, count };
      }
      n += s.coverage.count;
    }
    return n;
  }

  summary(): SubscriptionSummary {
    return {
      active: this.shards.filter((s) => s.sub).length,
      shards: this.shards.filter((s) => s.users.size > 0).length,
      coveredUsers: this.coveredCount(),
      errors: this.shards.filter((s) => s.lastError).map((s) => `${s.account.username}: ${s.lastError}`),
    };
  }

  /** Subscription ids in use (tests, status). */
  subscriptionIds(): string[] {
    return this.shards.flatMap((s) => (s.sub ? [s.sub.id] : []));
  }

  /** clientState check for one item (§3.5): true when it belongs to one of our subscriptions. */
  matches(subscriptionId: unknown, clientState: unknown): boolean {
    return this.shardFor(subscriptionId, clientState) !== undefined;
  }

  private shardFor(subscriptionId: unknown, clientState: unknown): Shard | undefined {
    if (typeof clientState !== "string") return undefined;
    for (const s of this.shards) {
      if (s.sub && s.sub.id === subscriptionId && safeEqual(s.sub.clientState, clientState)) return s;
    }
    // A notification that overtakes the create response carries the pending clientState.
    for (const s of this.shards)
      if (s.pendingClientState && safeEqual(s.pendingClientState, clientState)) return s;
    return undefined;
  }

  /** Lifecycle notifications (§3.6). */
  lifecycle(subscriptionId: unknown, clientState: unknown, event: string): boolean {
    const shard = this.shardFor(subscriptionId, clientState);
    if (!shard) return false;
    log.info({ subscriptionId, event, account: shard.account.username }, "lifecycle notification");
    if (event === "reauthorizationRequired") {
      this.enqueue(shard, () => this.renew(shard));
    } else if (event === "subscriptionRemoved") {
      this.enqueue(shard, async () => {
        if (shard.sub?.id === subscriptionId) shard.sub = undefined;
        await this.reconcile(shard, "subscription removed");
      });
    } else if (event === "missed") {
      this.hooks.resync([...shard.users], "notifications missed");
    }
    return true;
  }

  async stop(deleteSubscriptions = true): Promise<void> {
    this.stopped = true;
    for (const s of this.shards) {
      if (s.timer) clearTimeout(s.timer);
      if (s.settle) clearTimeout(s.settle);
    }
    if (!deleteSubscriptions) return;
    // Free the one-per-user slot so the next start (or another hub) can subscribe at once.
    await Promise.all(
      this.shards.map(async (s) => {
        await s.chain.catch(() => undefined);
        if (!s.sub) return;
        const id = s.sub.id;
        s.sub = undefined;
        await this.graph
          .request("DELETE", `/subscriptions/${id}`, {
            token: s.account,
            accept: [404],
            maxRetries: 0,
            timeoutMs: 3000,
          })
          .catch((e: unknown) => log.warn({ err: errorMessage(e) }, "could not delete subscription on stop"));
      }),
    );
  }

  private enqueue(shard: Shard, fn: () => Promise<void>): void {
    shard.chain = shard.chain.then(async () => {
      if (this.stopped) return;
      try {
        await fn();
      } catch (e) {
        log.warn({ account: shard.account.username, err: errorMessage(e) }, "subscription operation failed");
      }
    });
  }

  private schedule(shard: Shard, delayMs: number, fn: () => Promise<void>): void {
    if (shard.timer) clearTimeout(shard.timer);
    if (this.stopped) return;
    shard.timer = setTimeout(() => this.enqueue(shard, fn), Math.max(0, delayMs));
    shard.timer.unref?.();
  }

  private scheduleMaintenance(shard: Shard): void {
    if (!shard.sub) return;
    const renewAt = shard.sub.expiresAt - this.cfg.subscriptionRenewBeforeMs;
    const checkAt = Date.now() + this.cfg.subscriptionCheckIntervalMs;
    if (renewAt <= checkAt) this.schedule(shard, renewAt - Date.now(), () => this.renew(shard));
    else this.schedule(shard, checkAt - Date.now(), () => this.check(shard));
  }

  private failed(shard: Shard, e: unknown, retry: () => Promise<void>): void {
    shard.lastError = errorMessage(e);
    const delay = shard.retry.next();
    log.warn(
      { account: shard.account.username, err: shard.lastError, retryInMs: delay },
      "presence subscription not in place",
    );
    this.hooks.changed();
    this.schedule(shard, delay, retry);
  }

  /** Make the shard's subscription match its users: delete + create when the set changed. */
  private async reconcile(shard: Shard, reason = "subscription created"): Promise<void> {
    const userIds = [...shard.users].sort();
    const key = userIds.join(",");
    if (shard.sub && shard.sub.key === key) return;
    if (shard.sub) {
      const old = shard.sub;
      shard.sub = undefined;
      await this.graph
        .request("DELETE", `/subscriptions/${old.id}`, { token: shard.account, accept: [404] })
        .catch((e: unknown) => {
          log.warn({ err: errorMessage(e) }, "could not delete the previous subscription");
        });
    }
    if (userIds.length === 0) {
      if (shard.timer) clearTimeout(shard.timer);
      this.hooks.changed();
      return;
    }
    try {
      if (!shard.cleaned) await this.cleanup(shard);
      await this.create(shard, userIds, key);
    } catch (e) {
      this.failed(shard, e, () => this.reconcile(shard, reason));
      return;
    }
    shard.retry.reset();
    shard.lastError = undefined;
    this.scheduleMaintenance(shard);
    this.hooks.changed();
    // Changes between the previous coverage and now were not notified: read them.
    this.hooks.resync(userIds, reason);
  }

  /** Delete leftovers of an earlier run; otherwise the one-per-user quota refuses the new subscription. */
  private async cleanup(shard: Shard): Promise<void> {
    const res = await this.graph.request<{ value?: GraphSubscription[] }>("GET", "/subscriptions", {
      token: shard.account,
    });
    for (const s of res.body?.value ?? []) {
      if (!/communications\/presences/i.test(s.resource ?? "")) continue;
      if (s.applicationId && s.applicationId !== this.cfg.clientId) continue;
      await this.graph.request("DELETE", `/subscriptions/${s.id}`, { token: shard.account, accept: [404] });
      log.info(
        { subscriptionId: s.id, account: shard.account.username },
        "deleted a leftover presence subscription",
      );
    }
    shard.cleaned = true;
  }

  private async create(shard: Shard, userIds: string[], key: string): Promise<void> {
    if (!this.cfg.notificationUrl) throw new HubError("CONFIG_INVALID", "No notification URL configured");
    const clientState = randomBytes(32).toString("base64url");
    const cert = this.cfg.richNotifications ? this.keyring?.current() : undefined;
    const expiresAt = Date.now() + this.cfg.subscriptionLifetimeMs;
    const body: Record<string, unknown> = {
      changeType: "updated",
      notificationUrl: this.cfg.notificationUrl,
      lifecycleNotificationUrl: this.cfg.lifecycleNotificationUrl,
      resource: `/communications/presences?$filter=id in (${userIds.map((id) => `'${id}'`).join(",")})`,
      expirationDateTime: new Date(expiresAt).toISOString(),
      clientState,
      latestSupportedTlsVersion: "v1_2",
      includeResourceData: !!cert,
      ...(cert ? { encryptionCertificate: cert.certificateBase64, encryptionCertificateId: cert.id } : {}),
    };
    shard.pendingClientState = clientState;
    try {
      let res: { body: GraphSubscription };
      try {
        res = await this.graph.request<GraphSubscription>("POST", "/subscriptions", {
          token: shard.account,
          body,
        });
      } catch (e) {
        // 409 duplicate or 403 quota: a subscription of ours survived somewhere; clean up and try once more.
        if (
          !isHubError(e, "CONFLICT") &&
          !(isHubError(e, "ACCESS_DENIED") && /limit|quota|exceed/i.test(e.message))
        )
          throw e;
        await this.cleanup(shard);
        res = await this.graph.request<GraphSubscription>("POST", "/subscriptions", {
          token: shard.account,
          body,
        });
      }
      const exp = Date.parse(res.body?.expirationDateTime ?? "") || expiresAt;
      shard.sub = { id: res.body.id, clientState, expiresAt: exp, key, userIds, certificateId: cert?.id };
      log.info(
        { subscriptionId: res.body.id, account: shard.account.username, users: userIds.length, rich: !!cert },
        "presence subscription created",
      );
    } finally {
      shard.pendingClientState = undefined;
    }
  }

  private async renew(shard: Shard): Promise<void> {
    const sub = shard.sub;
    if (!sub) return this.reconcile(shard);
    const expiresAt = Date.now() + this.cfg.subscriptionLifetimeMs;
    const cert = this.cfg.richNotifications ? this.keyring?.current() : undefined;
    const body: Record<string, unknown> = { expirationDateTime: new Date(expiresAt).toISOString() };
    // Certificate rotation rides on renewal (§3.8).
    if (cert && cert.id !== sub.certificateId)
      Object.assign(body, {
        encryptionCertificate: cert.certificateBase64,
        encryptionCertificateId: cert.id,
      });
    try {
      const res = await this.graph.request<GraphSubscription>("PATCH", `/subscriptions/${sub.id}`, {
        token: shard.account,
        body,
      });
      sub.expiresAt = Date.parse(res.body?.expirationDateTime ?? "") || expiresAt;
      if (cert) sub.certificateId = cert.id;
      shard.lastError = undefined;
      log.debug({ subscriptionId: sub.id }, "subscription renewed");
      this.scheduleMaintenance(shard);
    } catch (e) {
      if (isHubError(e, "NOT_FOUND") || sub.expiresAt <= Date.now()) {
        log.warn(
          { subscriptionId: sub.id, account: shard.account.username },
          "subscription is gone; recreating",
        );
        shard.sub = undefined;
        this.hooks.changed();
        return this.reconcile(shard, "subscription lost");
      }
      this.failed(shard, e, () => this.renew(shard));
    }
  }

  private async check(shard: Shard): Promise<void> {
    const sub = shard.sub;
    if (!sub) return this.reconcile(shard);
    try {
      await this.graph.request("GET", `/subscriptions/${sub.id}`, { token: shard.account });
      this.scheduleMaintenance(shard);
    } catch (e) {
      if (isHubError(e, "NOT_FOUND")) {
        log.warn(
          { subscriptionId: sub.id, account: shard.account.username },
          "subscription was lost; recreating",
        );
        shard.sub = undefined;
        this.hooks.changed();
        return this.reconcile(shard, "subscription lost");
      }
      this.failed(shard, e, () => this.check(shard));
    }
  }
}
