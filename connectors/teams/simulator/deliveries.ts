// Outbound half of the Graph simulator (simulator → hub): the validation handshake, change notifications
// (basic or encrypted rich, batched per subscription, in order), lifecycle notifications, and Graph's
// retry model (2xx within ackTimeoutMs counts, otherwise exponential retries up to retryWindowMs).
// Every attempt is recorded for assertions.
import {
  X509Certificate,
  constants as cryptoConstants,
  createCipheriv,
  createHash,
  createHmac,
  publicEncrypt,
  randomBytes,
  randomUUID,
} from "node:crypto";
import { createHttpTransport, type HttpTransport } from "../http.js";
import type { SimAuth } from "./auth.js";
import type { QueuedItem, SimSubscription } from "./subscription-record.js";

export interface DeliveryRecord {
  at: string;
  kind: "validation" | "notification" | "lifecycle";
  subscriptionId?: string;
  url: string;
  items: number;
  /** User ids carried (notifications). */
  userIds?: string[];
  status: number;
  ok: boolean;
  attempt: number;
  ms: number;
  error?: string;
}

export interface DeliveryOptions {
  ackTimeoutMs: number;
  validationTimeoutMs: number;
  retryBaseMs: number;
  retryWindowMs: number;
  batchSize: number;
  plusForSpace: boolean;
  /** Omit validationTokens from rich notifications (the misconfiguration path). */
  validationTokensNull: boolean;
  caPem?: string;
  /**
   * Graph's endpoint throttling (§3.4): > 10 % of answers slower than ackTimeoutMs in the window → new
   * notifications are delayed by penaltyMs; > 15 % slower than dropAfterMs (or failed) → dropped for penaltyMs.
   */
  endpointThrottling?: { windowMs: number; penaltyMs: number; dropAfterMs: number; minSamples: number };
}

interface EndpointHealth {
  samples: Array<{ at: number; ms: number; failed: boolean }>;
  mode?: "slow" | "drop";
  until: number;
}

export class Deliveries {
  readonly log: DeliveryRecord[] = [];
  private readonly transport: HttpTransport;
  private stopped = false;
  private readonly health = new Map<string, EndpointHealth>();

  constructor(
    readonly options: DeliveryOptions,
    private readonly auth: SimAuth,
  ) {
    this.transport = createHttpTransport({ caPem: options.caPem, maxSockets: 16 });
  }

  close(): void {
    this.stopped = true;
    this.transport.close();
  }

  private record(r: Omit<DeliveryRecord, "at">): void {
    this.log.push({ at: new Date().toISOString(), ...r });
    if (this.log.length > 50_000) this.log.splice(0, 10_000);
  }

  /** §3.3: POST url?validationToken=…; pass only on 200, text/plain, body == decoded token, in time. */
  async validate(url: string): Promise<boolean> {
    const token = `Validation: Testing client application reachability for subscription Request-Id: ${randomUUID()}`;
    let encoded = encodeURIComponent(token);
    if (this.options.plusForSpace) encoded = encoded.replace(/%20/g, "+");
    const target = `${url}${url.includes("?") ? "&" : "?"}validationToken=${encoded}`;
    const t0 = Date.now();
    try {
      const res = await this.transport.request({
        method: "POST",
        url: target,
        headers: { "content-type": "text/plain; charset=utf-8" },
        body: "",
        timeoutMs: this.options.validationTimeoutMs,
      });
      const ok =
        res.status === 200 &&
        (res.headers["content-type"] ?? "").toLowerCase().startsWith("text/plain") &&
        res.body === token;
      this.record({
        kind: "validation",
        url,
        items: 0,
        status: res.status,
        ok,
        attempt: 0,
        ms: Date.now() - t0,
      });
      return ok;
    } catch (e) {
      this.record({
        kind: "validation",
        url,
        items: 0,
        status: 0,
        ok: false,
        attempt: 0,
        ms: Date.now() - t0,
        error: (e as Error).message,
      });
      return false;
    }
  }

  private penalty(url: string): EndpointHealth | undefined {
    const h = this.health.get(url);
    if (!h?.mode) return undefined;
    if (h.until <= Date.now()) {
      h.mode = undefined;
      h.samples = [];
      return undefined;
    }
    return h;
  }

  private observe(url: string, ms: number, failed: boolean): void {
    const cfg = this.options.endpointThrottling;
    if (!cfg) return;
    const now = Date.now();
    const h = this.health.get(url) ?? { samples: [], until: 0 };
    this.health.set(url, h);
    h.samples = h.samples.filter((x) => x.at > now - cfg.windowMs);
    h.samples.push({ at: now, ms, failed });
    if (h.mode || h.samples.length < cfg.minSamples) return;
    const n = h.samples.length;
    const dropped = h.samples.filter((x) => x.failed || x.ms > cfg.dropAfterMs).length / n;
    const slow = h.samples.filter((x) => x.failed || x.ms > this.options.ackTimeoutMs).length / n;
    if (dropped > 0.15) h.mode = "drop";
    else if (slow > 0.1) h.mode = "slow";
    if (h.mode) h.until = now + cfg.penaltyMs;
  }

  /** Endpoint throttling state per notification URL (control API). */
  endpointStates(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [url] of this.health) out[url] = this.penalty(url)?.mode ?? "normal";
    return out;
  }

  /** Queue changes for a subscription and make sure its pump runs. */
  enqueue(sub: SimSubscription, item: QueuedItem): void {
    sub.queue.push(item);
    this.pump(sub);
  }

  /** Send queued items in order, one POST in flight per subscription (keeps per-user order). */
  pump(sub: SimSubscription): void {
    if (sub.sending || sub.paused || sub.removed || this.stopped || sub.queue.length === 0) return;
    sub.sending = true;
    void this.drain(sub).finally(() => {
      sub.sending = false;
      if (sub.queue.length > 0 && !sub.paused && !sub.removed) this.pump(sub);
    });
  }

  private async drain(sub: SimSubscription): Promise<void> {
    while (sub.queue.length > 0 && !sub.paused && !sub.removed && !this.stopped) {
      // Let a burst of changes collect so one POST carries several items (as Graph batches).
      await new Promise((r) => setImmediate(r));
      const batch = sub.queue.slice(0, this.options.batchSize);
      const penalty = this.penalty(sub.notificationUrl);
      if (penalty?.mode === "drop") {
        // Drop state: notifications are lost and cannot be recovered (§3.4).
        this.record({
          kind: "notification",
          subscriptionId: sub.id,
          url: sub.notificationUrl,
          items: batch.length,
          userIds: batch.map((b) => b.userId),
          status: 0,
          ok: false,
          attempt: 0,
          ms: 0,
          error: "dropped: endpoint throttled",
        });
        sub.queue.splice(0, batch.length);
        continue;
      }
      if (penalty?.mode === "slow")
        await new Promise((r) => setTimeout(r, Math.max(0, penalty.until - Date.now())));
      const body = await this.notificationBody(sub, batch);
      const started = Date.now();
      let attempt = 0;
      for (;;) {
        if (sub.removed || this.stopped) return;
        const ok = await this.post(
          "notification",
          sub,
          sub.notificationUrl,
          body,
          batch.map((b) => b.userId),
          attempt,
        );
        if (ok) break;
        if (Date.now() - started > this.options.retryWindowMs) break; // dropped after the retry window, as on Graph
        await new Promise((r) =>
          setTimeout(r, Math.min(this.options.retryBaseMs * 2 ** attempt, this.options.retryWindowMs)),
        );
        attempt++;
      }
      sub.queue.splice(0, batch.length);
    }
  }

  private async post(
    kind: "notification" | "lifecycle",
    sub: SimSubscription,
    url: string,
    body: unknown,
    userIds: string[] | undefined,
    attempt: number,
  ): Promise<boolean> {
    const t0 = Date.now();
    const items = (body as { value: unknown[] }).value.length;
    try {
      const res = await this.transport.request({
        method: "POST",
        url,
        headers: { "content-type": "application/json; charset=utf-8" },
        body: JSON.stringify(body),
        // With endpoint throttling modelled, slow answers still count (and feed the slow/drop statistics).
        timeoutMs: this.options.endpointThrottling
          ? this.options.endpointThrottling.dropAfterMs
          : attempt === 0
            ? this.options.ackTimeoutMs
            : Math.max(this.options.ackTimeoutMs, 10_000),
      });
      const ok = res.status >= 200 && res.status < 300;
      this.record({
        kind,
        subscriptionId: sub.id,
        url,
        items,
        userIds,
        status: res.status,
        ok,
        attempt,
        ms: Date.now() - t0,
      });
      if (kind === "notification") this.observe(url, Date.now() - t0, false);
      return ok;
    } catch (e) {
      if (kind === "notification") this.observe(url, Date.now() - t0, true);
      this.record({
        kind,
        subscriptionId: sub.id,
        url,
        items,
        userIds,
        status: 0,
        ok: false,
        attempt,
        ms: Date.now() - t0,
        error: (e as Error).message,
      });
      return false;
    }
  }

  private async notificationBody(
    sub: SimSubscription,
    batch: QueuedItem[],
  ): Promise<{ value: unknown[]; validationTokens?: string[] }> {
    const value = batch.map((b) => {
      const item: Record<string, unknown> = {
        subscriptionId: sub.id,
        clientState: sub.clientState,
        changeType: "updated",
        tenantId: this.auth.tenantId,
        organizationId: this.auth.tenantId,
        resource: `communications/presences/${b.userId}`,
        subscriptionExpirationDateTime: new Date(sub.expiresAt).toISOString(),
        resourceData: {
          "@odata.id": `communications/presences/${b.userId}`,
          "@odata.type": "#Microsoft.Graph.presence",
          id: b.userId,
        },
      };
      if (sub.includeResourceData && sub.encryptionCertificate) {
        item.encryptedContent = encryptForSubscription(
          sub.encryptionCertificate,
          sub.encryptionCertificateId ?? "",
          {
            "@odata.type": "#Microsoft.Graph.presence",
            "@odata.id": `communications/presences/${b.userId}`,
            ...b.presence,
          },
        );
      }
      return item;
    });
    if (sub.includeResourceData && !this.options.validationTokensNull) {
      return { value, validationTokens: [await this.auth.validationToken(sub.applicationId)] };
    }
    return { value };
  }

  /** Lifecycle event (§3.6); fire-and-record, retried like notifications. */
  async lifecycle(
    sub: SimSubscription,
    event: "reauthorizationRequired" | "subscriptionRemoved" | "missed",
  ): Promise<boolean> {
    if (!sub.lifecycleNotificationUrl) return false;
    const body = {
      value: [
        {
          subscriptionId: sub.id,
          subscriptionExpirationDateTime: new Date(sub.expiresAt).toISOString(),
          tenantId: this.auth.tenantId,
          clientState: sub.clientState,
          lifecycleEvent: event,
        },
      ],
    };
    for (let attempt = 0; attempt < 5 && !this.stopped; attempt++) {
      if (await this.post("lifecycle", sub, sub.lifecycleNotificationUrl, body, undefined, attempt))
        return true;
      await new Promise((r) => setTimeout(r, this.options.retryBaseMs * 2 ** attempt));
    }
    return false;
  }
}

/** §3.8 / §8.5: AES-256-CBC (IV = key[0..16]), HMAC-SHA256 over the ciphertext, RSA-OAEP-SHA1 wrapped key. */
export function encryptForSubscription(
  certBase64: string,
  certId: string,
  payload: unknown,
): Record<string, string> {
  const { cert, thumbprint } = parsedCertificate(certBase64);
  const key = randomBytes(32);
  const cipher = createCipheriv("aes-256-cbc", key, key.subarray(0, 16));
  const data = Buffer.concat([cipher.update(JSON.stringify(payload), "utf8"), cipher.final()]);
  return {
    data: data.toString("base64"),
    dataSignature: createHmac("sha256", key).update(data).digest("base64"),
    dataKey: publicEncrypt(
      { key: cert.publicKey, padding: cryptoConstants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha1" },
      key,
    ).toString("base64"),
    encryptionCertificateId: certId,
    encryptionCertificateThumbprint: thumbprint,
  };
}

/** Parsing the subscription's certificate per item cost more than the encryption itself (1,500 items/s). */
const parsedCertificates = new Map<string, { cert: X509Certificate; thumbprint: string }>();
function parsedCertificate(certBase64: string): { cert: X509Certificate; thumbprint: string } {
  let p = parsedCertificates.get(certBase64);
  if (!p) {
    const cert = new X509Certificate(Buffer.from(certBase64, "base64"));
    p = { cert, thumbprint: createHash("sha1").update(cert.raw).digest("hex").toUpperCase() };
    if (parsedCertificates.size >= 16) parsedCertificates.clear();
    parsedCertificates.set(certBase64, p);
  }
  return p;
}
