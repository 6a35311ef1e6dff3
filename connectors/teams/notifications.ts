// Webhook processing for the Teams adapter: notification and lifecycle bodies handed over by the fastify
// plugin (webhook.ts) after its 202, processed one body at a time in arrival order — clientState checks,
// validationTokens, decryption of rich items (RSA on the thread pool, in parallel), basic items turned
// into batched reads — plus the counters the admin UI and the bench show.
import { errorMessage } from "../../common/errors.js";
import { logger } from "../../common/log.js";
import type { EncryptedContent, NotificationKeyring, ValidationTokenVerifier } from "./crypto.js";
import { type ObservedPresence, parsePresence } from "./presence-reader.js";
import type { SubscriptionManager } from "./subscriptions.js";

const log = logger("teams");

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

/** What the processor needs from the adapter; getters, because subscriptions and keyring are replaced. */
export interface NotificationHost {
  subs(): SubscriptionManager | undefined;
  keyring(): NotificationKeyring | undefined;
  /** A presence observed in a rich notification. */
  accept(p: ObservedPresence): void;
  /** Read these users' presence soon (basic notifications carry no presence). */
  queueRead(ids: readonly string[], reason: string): void;
}

export class NotificationProcessor {
  private chain: Promise<void> = Promise.resolve();
  private warnedNullTokens = false;
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
    private readonly verifier: ValidationTokenVerifier,
    private readonly host: NotificationHost,
  ) {}

  handleNotifications(body: unknown): void {
    this.stats.bodies++;
    this.chain = this.chain
      .then(() => this.processNotifications(body))
      .catch((e: unknown) => {
        log.warn({ err: errorMessage(e) }, "notification processing failed");
      });
  }

  handleLifecycle(body: unknown): void {
    this.chain = this.chain
      .then(() => this.processLifecycle(body))
      .catch((e: unknown) => {
        log.warn({ err: errorMessage(e) }, "lifecycle processing failed");
      });
  }

  /** Resolves when every webhook body received so far is processed (tests, bench). */
  idle(): Promise<void> {
    return this.chain;
  }

  private async processLifecycle(body: unknown): Promise<void> {
    const items = (body as { value?: unknown[] } | undefined)?.value;
    if (!Array.isArray(items)) return;
    for (const raw of items) {
      const it = raw as { subscriptionId?: string; clientState?: string; lifecycleEvent?: string };
      this.stats.lifecycle++;
      if (!this.host.subs()?.lifecycle(it.subscriptionId, it.clientState, String(it.lifecycleEvent))) {
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
    const keyring = this.host.keyring();
    if (keyring) {
      for (const raw of b.value) {
        const it = raw as {
          subscriptionId?: string;
          clientState?: string;
          encryptedContent?: EncryptedContent;
        };
        if (!it?.encryptedContent || !this.host.subs()?.matches(it.subscriptionId, it.clientState)) continue;
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
      if (!this.host.subs()?.matches(it.subscriptionId, it.clientState)) {
        this.stats.ignoredClientState++;
        log.warn(
          { subscriptionId: it.subscriptionId },
          "notification with an unknown subscription or a wrong clientState ignored",
        );
        continue;
      }
      const userId = it.resourceData?.id ?? /presences\/([^/?]+)/.exec(it.resource ?? "")?.[1];
      const current = this.host.keyring();
      if (it.encryptedContent && current) {
        if (tokensChecked === undefined)
          tokensChecked = await this.checkValidationTokens(b.validationTokens, it.tenantId);
        if (!tokensChecked) {
          this.stats.tokenRejected++;
          continue;
        }
        let data: unknown;
        try {
          data = await (decrypting.get(raw) ?? current.decryptAsync(it.encryptedContent));
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
          this.host.accept(p);
        }
      } else if (userId) {
        // Basic notification: fetch the new state in a batched read.
        this.stats.basic++;
        this.stats.accepted++;
        this.host.queueRead([userId], "notification");
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
}
