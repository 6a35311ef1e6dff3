// Subscription half of the Graph simulator (msgraph-presence.md §3.1, §3.2, §8.4): create with the resource
// grammar, the 650-id and 60-minute limits, app-only → 403, one presence subscription per app per delegated
// user (409 duplicate / 403 quota), the validation handshake, PATCH renew, reauthorize, DELETE, silent expiry
// and silent loss (fault injection).
import { randomUUID } from "node:crypto";
import type { TokenClaims } from "./auth.js";
import type { Deliveries } from "./deliveries.js";
import type { SimSubscription } from "./subscription-record.js";

export type { SimSubscription } from "./subscription-record.js";

export interface GraphErrorReply {
  status: number;
  code: string;
  message: string;
}

export interface SubscriptionRules {
  maxIds: number;
  maxLifetimeMs: number;
  /** Status for a second, different presence subscription by the same app and user (real value unverified). */
  secondSubscriptionStatus: 403 | 409;
  /** Accept http:// delivery URLs to loopback hosts (real Graph requires https). */
  allowHttpLoopback: boolean;
}

const RESOURCE_RE = /^\/?communications\/presences(?:\/([^/?'"]+)|\?\$filter=id\s+in\s+\((.*)\))$/i;

export function parsePresenceResource(resource: string): string[] | undefined {
  const m = RESOURCE_RE.exec(resource.trim());
  if (!m) return undefined;
  if (m[1]) return [m[1]];
  const ids = (m[2] ?? "")
    .split(",")
    .map((s) => s.trim().replace(/^'|'$/g, "").replace(/^"|"$/g, ""))
    .filter(Boolean);
  return ids.length > 0 ? ids : undefined;
}

function urlAllowed(u: string, allowHttpLoopback: boolean): boolean {
  try {
    const url = new URL(u);
    if (url.protocol === "https:") return true;
    return (
      allowHttpLoopback &&
      url.protocol === "http:" &&
      ["127.0.0.1", "localhost", "[::1]"].includes(url.hostname)
    );
  } catch {
    return false;
  }
}

export class SimSubscriptions {
  readonly byId = new Map<string, SimSubscription>();

  constructor(
    private readonly now: () => number,
    private readonly rules: SubscriptionRules,
    private readonly deliveries: Deliveries,
  ) {}

  reset(): void {
    for (const s of this.byId.values()) s.removed = true;
    this.byId.clear();
  }

  /** Subscriptions past their expiry are deleted silently (§8.4). */
  expire(): void {
    const now = this.now();
    for (const [id, s] of this.byId) {
      if (s.expiresAt <= now) {
        s.removed = true;
        this.byId.delete(id);
      }
    }
  }

  /** Drop a subscription without telling anyone ("subscriptions tend to get lost", §3.2). */
  lose(id: string): boolean {
    const s = this.byId.get(id);
    if (!s) return false;
    s.removed = true;
    this.byId.delete(id);
    return true;
  }

  notify(userId: string, presence: Record<string, unknown>): void {
    this.expire();
    for (const s of this.byId.values())
      if (s.userIds.has(userId)) this.deliveries.enqueue(s, { userId, presence });
  }

  json(s: SimSubscription, base: string): Record<string, unknown> {
    return {
      "@odata.context": `${base}/v1.0/$metadata#subscriptions/$entity`,
      id: s.id,
      resource: s.resource,
      applicationId: s.applicationId,
      changeType: s.changeType,
      clientState: s.clientState ?? null,
      notificationUrl: s.notificationUrl,
      notificationQueryOptions: null,
      lifecycleNotificationUrl: s.lifecycleNotificationUrl ?? null,
      expirationDateTime: new Date(s.expiresAt).toISOString(),
      creatorId: s.creatorId,
      includeResourceData: s.includeResourceData,
      latestSupportedTlsVersion: s.latestSupportedTlsVersion,
      encryptionCertificate: s.encryptionCertificate ?? null,
      encryptionCertificateId: s.encryptionCertificateId ?? null,
      notificationUrlAppId: null,
    };
  }

  private checkExpiry(value: unknown): number | GraphErrorReply {
    const at = typeof value === "string" ? Date.parse(value) : Number.NaN;
    if (Number.isNaN(at))
      return { status: 400, code: "InvalidRequest", message: "expirationDateTime is missing or invalid." };
    if (at <= this.now())
      return {
        status: 400,
        code: "InvalidRequest",
        message: "Subscription expiration must be in the future.",
      };
    if (at > this.now() + this.rules.maxLifetimeMs + 60_000) {
      return {
        status: 400,
        code: "ExtensionError",
        message: `Subscription expiration can only be ${Math.round(this.rules.maxLifetimeMs / 60_000)} minutes in the future.`,
      };
    }
    return at;
  }

  async create(
    claims: TokenClaims,
    body: Record<string, unknown>,
  ): Promise<SimSubscription | GraphErrorReply> {
    const bad = (message: string, code = "InvalidRequest"): GraphErrorReply => ({
      status: 400,
      code,
      message,
    });
    const resource = typeof body.resource === "string" ? body.resource : "";
    const ids = parsePresenceResource(resource);
    if (!ids) return bad(`Resource '${resource}' is not supported by this simulator.`);
    if (claims.kind !== "user") {
      return {
        status: 403,
        code: "ExtensionError",
        message:
          "Operation: Create; Exception: [Status Code: Forbidden; Reason: The request is not supported for application permissions. Presence subscriptions require delegated Presence.Read.All.]",
      };
    }
    if (!claims.scopes.some((s) => s === "Presence.Read.All" || s === "Presence.ReadWrite.All")) {
      return {
        status: 403,
        code: "Forbidden",
        message: "Insufficient privileges: delegated Presence.Read.All is required.",
      };
    }
    if (new Set(ids).size > this.rules.maxIds)
      return bad(`The number of ids in the filter exceeds the limit of ${this.rules.maxIds}.`, "BadRequest");
    if (body.changeType !== "updated") return bad("changeType must be 'updated' for presence.");
    const clientState = typeof body.clientState === "string" ? body.clientState : undefined;
    if (clientState && clientState.length > 128) return bad("clientState must not exceed 128 characters.");
    const includeResourceData = body.includeResourceData === true;
    if (includeResourceData && typeof body.encryptionCertificate !== "string") {
      return bad("An encryptionCertificate is required when includeResourceData is true.");
    }
    const expiry = this.checkExpiry(body.expirationDateTime);
    if (typeof expiry !== "number") return expiry;
    const notificationUrl = String(body.notificationUrl ?? "");
    const lifecycle =
      typeof body.lifecycleNotificationUrl === "string" ? body.lifecycleNotificationUrl : undefined;
    if (
      !urlAllowed(notificationUrl, this.rules.allowHttpLoopback) ||
      (lifecycle && !urlAllowed(lifecycle, this.rules.allowHttpLoopback))
    ) {
      return bad("The notification URL must use https (the simulator also accepts http to loopback).");
    }
    this.expire();
    for (const s of this.byId.values()) {
      if (s.applicationId !== claims.appId || s.creatorId !== claims.oid) continue;
      if (s.resource === resource) {
        return {
          status: 409,
          code: "Conflict",
          message: `Subscription Id ${s.id} already exists for the requested combination`,
        };
      }
      return {
        status: this.rules.secondSubscriptionStatus,
        code: this.rules.secondSubscriptionStatus === 409 ? "Conflict" : "ExtensionError",
        message:
          "Operation: Create; Exception: [Status Code: Forbidden; Reason: Exceeded the limit of 1 presence subscription per application per user.]",
      };
    }
    const failed: GraphErrorReply = {
      status: 400,
      code: "InvalidRequest",
      message:
        "Subscription validation request failed. Notification endpoint must respond with 200 OK to validation request.",
    };
    if (!(await this.deliveries.validate(notificationUrl))) return failed;
    if (lifecycle && !(await this.deliveries.validate(lifecycle))) return failed;
    const sub: SimSubscription = {
      id: randomUUID(),
      resource,
      userIds: new Set(ids),
      changeType: "updated",
      clientState,
      notificationUrl,
      lifecycleNotificationUrl: lifecycle,
      expiresAt: expiry,
      applicationId: claims.appId,
      creatorId: claims.oid,
      includeResourceData,
      encryptionCertificate: includeResourceData ? String(body.encryptionCertificate) : undefined,
      encryptionCertificateId:
        typeof body.encryptionCertificateId === "string" ? body.encryptionCertificateId : undefined,
      latestSupportedTlsVersion:
        typeof body.latestSupportedTlsVersion === "string" ? body.latestSupportedTlsVersion : "v1_2",
      paused: false,
      removed: false,
      queue: [],
      sending: false,
    };
    this.byId.set(sub.id, sub);
    return sub;
  }

  get(claims: TokenClaims, id: string): SimSubscription | undefined {
    this.expire();
    const s = this.byId.get(id);
    return s && s.applicationId === claims.appId ? s : undefined;
  }

  list(claims: TokenClaims): SimSubscription[] {
    this.expire();
    return [...this.byId.values()].filter(
      (s) => s.applicationId === claims.appId && (claims.kind === "app" || s.creatorId === claims.oid),
    );
  }

  update(claims: TokenClaims, id: string, body: Record<string, unknown>): SimSubscription | GraphErrorReply {
    const s = this.get(claims, id);
    if (!s)
      return {
        status: 404,
        code: "ResourceNotFound",
        message: `The object was not found: subscription ${id}`,
      };
    if (body.expirationDateTime !== undefined) {
      const expiry = this.checkExpiry(body.expirationDateTime);
      if (typeof expiry !== "number") return expiry;
      s.expiresAt = expiry;
    }
    if (typeof body.encryptionCertificate === "string") s.encryptionCertificate = body.encryptionCertificate;
    if (typeof body.encryptionCertificateId === "string")
      s.encryptionCertificateId = body.encryptionCertificateId;
    if (typeof body.notificationUrl === "string") s.notificationUrl = body.notificationUrl;
    this.resume(s);
    return s;
  }

  reauthorize(claims: TokenClaims, id: string): boolean {
    const s = this.get(claims, id);
    if (!s) return false;
    this.resume(s);
    return true;
  }

  remove(claims: TokenClaims, id: string): boolean {
    const s = this.get(claims, id);
    if (!s) return false;
    s.removed = true;
    this.byId.delete(id);
    return true;
  }

  private resume(s: SimSubscription): void {
    if (s.paused) {
      s.paused = false;
      this.deliveries.pump(s);
    }
  }
}
