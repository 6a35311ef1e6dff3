// Webhook processing for the Teams adapter: notification and lifecycle bodies handed over by the fastify
// plugin (webhook.ts) after its 202, processed one body at a time in arrival order — clientState checks,
// validationTokens, decryption of rich items (RSA on the thread pool, in parallel), basic items turned
// into batched reads — plus the counters the admin UI and the bench show. The webhook is reachable by
// anyone: an item that is not ours costs a counter, never a log line of its own (webhook-report.ts), and a
// malformed item (null, a number) is skipped without aborting the rest of its body.
import { errorMessage } from "../../common/errors.js";
import { type Logger, logger } from "../../common/log.js";
import type { EncryptedContent, NotificationKeyring, ValidationTokenVerifier } from "./crypto.js";
import { type ObservedPresence, parsePresence } from "./presence-reader.js";
import type { SubscriptionManager } from "./subscriptions.js";
import { BodyReport, SummaryLimiter } from "./webhook-report.js";

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
  /** Read these users' presence again a little later (their notification may have overtaken an older one). */
  confirmLater(ids: readonly string[]): void;
}

/** One item of a notification body, as far as the processor reads it (every field is untrusted). */
interface NotificationItem {
  subscriptionId?: unknown;
  clientState?: unknown;
  lifecycleEvent?: unknown;
  tenantId?: unknown;
  resource?: unknown;
  resourceData?: { id?: unknown } | null;
  encryptedContent?: EncryptedContent;
}

const isItem = (raw: unknown): raw is NotificationItem =>
  typeof raw === "object" && raw !== null && !Array.isArray(raw);

export interface NotificationProcessorOptions {
  /** At most one summary line per ignore reason this often. Default 10 s. */
  summaryIntervalMs?: number;
}

export class NotificationProcessor {
  private chain: Promise<void> = Promise.resolve();
  private warnedNullTokens = false;
  /** Created with the processor (not at import), so a root logger configured before start is used. */
  private readonly log: Logger = logger("teams");
  private readonly summaries: SummaryLimiter;
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
    options: NotificationProcessorOptions = {},
  ) {
    this.summaries = new SummaryLimiter(this.log, options.summaryIntervalMs);
  }

  handleNotifications(body: unknown, opts: { handedOn?: boolean } = {}): void {
    this.stats.bodies++;
    // Decryption starts on arrival, not when the body's turn comes: bodies are processed one after the other,
    // and with one or two items per POST (Graph's usual batch at these rates) starting there kept a single
    // RSA operation in flight at a time — changes queued for seconds at 1,500/s with the other cores idle.
    const decrypting = this.startDecryption(body);
    this.chain = this.chain.then(() =>
      this.settle(body, "notification", (r) => this.processNotifications(body, r, decrypting, opts.handedOn ?? false)),
    );
  }

  handleLifecycle(body: unknown): void {
    this.chain = this.chain.then(() => this.settle(body, "lifecycle", (r) => this.processLifecycle(body, r)));
  }

  /** Resolves when every webhook body received so far is processed (tests, bench). */
  idle(): Promise<void> {
    return this.chain;
  }

  /** Drop the pending summary flush (adapter stop). */
  close(): void {
    this.summaries.close();
  }

  /** Process one body and write its (rate-limited) summary; never rejects, so the chain goes on. */
  private async settle(
    body: unknown,
    kind: "notification" | "lifecycle",
    process: (r: BodyReport) => Promise<void>,
  ): Promise<void> {
    const report = new BodyReport();
    try {
      if (!Array.isArray((body as { value?: unknown } | null | undefined)?.value))
        report.ignore("malformed body", typeof body);
      else await process(report);
    } catch (e) {
      report.ignore("processing failed", errorMessage(e));
    }
    this.summaries.report(report, `${kind} items ignored`, { kind });
  }

  private async processLifecycle(body: unknown, report: BodyReport): Promise<void> {
    for (const raw of (body as { value: unknown[] }).value) this.lifecycleItem(raw, report);
  }

  private lifecycleItem(raw: unknown, report: BodyReport): void {
    report.items++;
    if (!isItem(raw)) {
      report.ignore("not an object", raw === null ? null : typeof raw);
      return;
    }
    this.stats.lifecycle++;
    if (this.host.subs()?.lifecycle(raw.subscriptionId, raw.clientState, String(raw.lifecycleEvent))) {
      report.accepted++;
      return;
    }
    this.stats.ignoredClientState++;
    report.ignore("unknown subscription or wrong clientState", raw.subscriptionId);
  }

  /**
   * Start the RSA step of every authenticated (clientState-matching) encrypted item of a body on the thread
   * pool; they run in parallel and processNotifications consumes the results in order.
   */
  private startDecryption(body: unknown): Map<unknown, Promise<unknown>> {
    const decrypting = new Map<unknown, Promise<unknown>>();
    const value = (body as { value?: unknown } | null | undefined)?.value;
    const keyring = this.host.keyring();
    if (!keyring || !Array.isArray(value)) return decrypting;
    for (const raw of value) {
      if (!isItem(raw) || !raw.encryptedContent || !this.host.subs()?.matches(raw.subscriptionId, raw.clientState))
        continue;
      const pending = keyring.decryptAsync(raw.encryptedContent);
      pending.catch(() => undefined); // handled where the item is processed
      decrypting.set(raw, pending);
    }
    return decrypting;
  }

  private async processNotifications(
    body: unknown,
    report: BodyReport,
    decrypting: Map<unknown, Promise<unknown>>,
    handedOn: boolean,
  ): Promise<void> {
    const b = body as { value: unknown[]; validationTokens?: unknown };
    let tokensChecked: boolean | undefined;
    let tokenError = "";
    let n = 0;
    for (const raw of b.value) {
      // Parsing and bookkeeping stay on the event loop: yield now and then so acknowledgements keep flowing (§3.4).
      if (++n % 16 === 0) await new Promise<void>((r) => setImmediate(r));
      this.stats.items++;
      if (!isItem(raw)) {
        report.items++;
        report.ignore("not an object", raw === null ? null : typeof raw);
        continue;
      }
      const it = raw;
      if (it.lifecycleEvent) {
        this.lifecycleItem(it, report);
        continue;
      }
      report.items++;
      if (!this.host.subs()?.matches(it.subscriptionId, it.clientState)) {
        this.stats.ignoredClientState++;
        report.ignore("unknown subscription or wrong clientState", it.subscriptionId);
        continue;
      }
      const fromResource = typeof it.resource === "string" ? /presences\/([^/?]+)/.exec(it.resource)?.[1] : undefined;
      const rawId = it.resourceData?.id ?? fromResource;
      const userId = typeof rawId === "string" && rawId ? rawId : undefined;
      const current = this.host.keyring();
      if (it.encryptedContent && current) {
        if (tokensChecked === undefined) {
          tokenError = await this.checkValidationTokens(b.validationTokens, it.tenantId);
          tokensChecked = tokenError === "";
        }
        if (!tokensChecked) {
          this.stats.tokenRejected++;
          report.ignore("validationTokens rejected", tokenError);
          continue;
        }
        let data: unknown;
        try {
          data = await (decrypting.get(raw) ?? current.decryptAsync(it.encryptedContent));
        } catch (e) {
          this.stats.decryptFailed++;
          report.ignore("decryption failed", errorMessage(e));
          continue;
        }
        const p = parsePresence(data, userId);
        if (p) {
          this.stats.accepted++;
          report.accepted++;
          this.host.accept(p);
          // Handed on by another instance, it may have been overtaken by a newer one sent here directly.
          if (handedOn) this.host.confirmLater([p.userId]);
        } else report.ignore("no user id");
      } else if (userId) {
        // Basic notification: fetch the new state in a batched read.
        this.stats.basic++;
        this.stats.accepted++;
        report.accepted++;
        this.host.queueRead([userId], "notification");
      } else report.ignore("no user id");
    }
  }

  /** "" when the body's validationTokens verify, else why not. */
  private async checkValidationTokens(tokens: unknown, tenantId: unknown): Promise<string> {
    if (tokens === undefined || tokens === null || (Array.isArray(tokens) && tokens.length === 0)) {
      if (!this.warnedNullTokens) {
        this.warnedNullTokens = true;
        this.log.warn(
          "rich notifications arrive without validationTokens: the app's service principal is misconfigured (appRoleAssignmentRequired)",
        );
      }
      return "";
    }
    if (!Array.isArray(tokens)) return "validationTokens is not an array";
    try {
      for (const t of tokens) await this.verifier.verify(String(t), typeof tenantId === "string" ? tenantId : "");
      return "";
    } catch (e) {
      return errorMessage(e);
    }
  }

  webhookStats(): WebhookStats {
    return { ...this.stats };
  }
}
