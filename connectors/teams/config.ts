// Teams connector configuration: the shape the hub stores (TeamsConfig), its defaults and the resolved,
// normalized form every other part of the connector reads. National clouds and the simulator differ only
// in `authority` and `graphBaseUrl`.
import { HubError } from "../../common/errors.js";

export interface TeamsConfig {
  /** Directory (tenant) id or a verified domain. */
  tenantId: string;
  /** Application (client) id; also the setPresence sessionId. */
  clientId: string;
  clientSecret: string;
  /** Identity platform base, default https://login.microsoftonline.com (national clouds: login.microsoftonline.us, login.chinacloudapi.cn, or the simulator). */
  authority?: string;
  /** Graph base, default https://graph.microsoft.com (national clouds: graph.microsoft.us, microsoftgraph.chinacloudapi.cn). */
  graphBaseUrl?: string;
  /** Extra CA certificate (PEM) to trust for both hosts, e.g. the simulator's CA or a TLS-inspecting proxy. */
  caPem?: string;
  /** Public HTTPS URL of the hub's notification route (…/graph/notify). Without it the connector polls. */
  notificationUrl?: string;
  /** Public HTTPS URL of the lifecycle route (…/graph/lifecycle). Defaults to notificationUrl's sibling. */
  lifecycleNotificationUrl?: string;
  /** Encrypted rich notifications (no extra GET per change). Default true. */
  richNotifications?: boolean;
  /** Polling interval when no subscription covers a user. Default 30 s; keep it ≥ 5 s against a real tenant (throttling budget, msgraph-presence.md §2). */
  pollIntervalMs?: number;
  /** Full presence read of every watched user this often, even with live notifications (catches anything lost while the webhook was unreachable). Default 15 min; 0 = off. */
  reconcileIntervalMs?: number;
  /**
   * Probe the hub's own notification URL (a validation-style request) this often. While it fails, every
   * user is polled; when it recovers, all presence is read again (a webhook outage). Default 5 min; 0 = off.
   * Behind NAT without hairpinning the probe fails even though Graph gets through — then switch it off.
   */
  webhookProbeIntervalMs?: number;
  /** setPresence expirationDuration, ISO-8601 PT5M..PT4H. Default PT10M. */
  presenceExpiration?: string;
  /** Re-send setPresence this long before it expires. Default 90 s. */
  presenceRefreshBeforeMs?: number;
  /** Requested subscription lifetime. Default 55 min (Graph max 60). */
  subscriptionLifetimeMs?: number;
  /** Renew a subscription this long before it expires. Default 15 min. */
  subscriptionRenewBeforeMs?: number;
  /**
   * Check that each subscription still exists (one GET) this often: lost subscriptions are normal (§3.2)
   * and nothing tells the hub, so this bounds how long users go without notifications. Default 45 s.
   */
  subscriptionCheckIntervalMs?: number;
  /** Replace the notification encryption certificate when it has less than this left. Default 30 days. */
  certificateRotateBeforeMs?: number;
  /** Validity of a new notification encryption certificate. Default 365 days. */
  certificateLifetimeDays?: number;
  /** Check this often whether the certificate is due for rotation. Default 24 h. */
  certificateCheckIntervalMs?: number;
  /** Users per subscription (Graph max 650). */
  usersPerSubscription?: number;
  /** Parallel Graph requests per tenant. Default 4. */
  maxConcurrency?: number;
  /** Retries after 429/5xx/network errors. Default 5. */
  maxRetries?: number;
  /** First backoff step for 5xx/network errors. Default 1 s (doubles, capped by maxBackoffMs). */
  baseBackoffMs?: number;
  /** Backoff and Retry-After cap. Default 120 s. */
  maxBackoffMs?: number;
  /** Timeout of one HTTP request. Default 30 s. */
  requestTimeoutMs?: number;
}

export interface ResolvedTeamsConfig {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /** Origin (scheme://host[:port]) of the identity platform, no trailing slash. */
  authority: string;
  /** Graph origin without /v1.0. */
  graphOrigin: string;
  /** Graph API root including /v1.0. */
  graphApi: string;
  caPem?: string;
  notificationUrl?: string;
  lifecycleNotificationUrl?: string;
  richNotifications: boolean;
  pollIntervalMs: number;
  reconcileIntervalMs: number;
  webhookProbeIntervalMs: number;
  presenceExpiration: string;
  presenceExpirationMs: number;
  presenceRefreshBeforeMs: number;
  subscriptionLifetimeMs: number;
  subscriptionRenewBeforeMs: number;
  subscriptionCheckIntervalMs: number;
  certificateRotateBeforeMs: number;
  certificateLifetimeDays: number;
  certificateCheckIntervalMs: number;
  usersPerSubscription: number;
  maxConcurrency: number;
  maxRetries: number;
  baseBackoffMs: number;
  maxBackoffMs: number;
  requestTimeoutMs: number;
}

/** Graph Change Tracking app; the `azp`/`appid` of every validationToken (msgraph-presence.md §3.8). */
export const GRAPH_CHANGE_TRACKING_APP_ID = "0bf30f3b-4a52-48df-9a82-234910c4a086";
export const MAX_USERS_PER_SUBSCRIPTION = 650;
export const MAX_IDS_PER_PRESENCE_READ = 650;

/** Parse an ISO-8601 duration with hours/minutes/seconds (PT1H30M, PT10M, PT45S). */
export function parseIsoDuration(value: string): number | undefined {
  const m = /^PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?$/i.exec(value.trim());
  if (!m || (!m[1] && !m[2] && !m[3])) return undefined;
  return ((Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0)) * 60 + Number(m[3] ?? 0)) * 1000;
}

function origin(value: string, what: string): string {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw new HubError("CONFIG_INVALID", `${what} is not a URL: ${value}`);
  }
  if (u.protocol !== "https:" && u.protocol !== "http:")
    throw new HubError("CONFIG_INVALID", `${what} must be an https URL`);
  return `${u.protocol}//${u.host}${u.pathname.replace(/\/+$/, "")}`;
}

export function resolveTeamsConfig(c: TeamsConfig): ResolvedTeamsConfig {
  for (const k of ["tenantId", "clientId", "clientSecret"] as const) {
    if (!c[k] || typeof c[k] !== "string")
      throw new HubError("CONFIG_INVALID", `Microsoft 365: ${k} is missing`);
  }
  let authority = origin(c.authority ?? "https://login.microsoftonline.com", "Authority");
  // Accept an authority that already names the tenant (https://login.microsoftonline.com/<tenant>).
  if (authority.endsWith(`/${c.tenantId}`)) authority = authority.slice(0, -c.tenantId.length - 1);
  const graphOrigin = origin(c.graphBaseUrl ?? "https://graph.microsoft.com", "Graph URL").replace(
    /\/v1\.0$/i,
    "",
  );
  const presenceExpiration = c.presenceExpiration ?? "PT10M";
  const presenceExpirationMs = parseIsoDuration(presenceExpiration);
  if (
    presenceExpirationMs === undefined ||
    presenceExpirationMs < 5 * 60_000 ||
    presenceExpirationMs > 4 * 3600_000
  ) {
    throw new HubError(
      "CONFIG_INVALID",
      `presenceExpiration must be an ISO duration between PT5M and PT4H, got ${presenceExpiration}`,
    );
  }
  const usersPerSubscription = Math.min(
    c.usersPerSubscription ?? MAX_USERS_PER_SUBSCRIPTION,
    MAX_USERS_PER_SUBSCRIPTION,
  );
  const subscriptionLifetimeMs = Math.min(c.subscriptionLifetimeMs ?? 55 * 60_000, 60 * 60_000);
  let lifecycle = c.lifecycleNotificationUrl;
  if (!lifecycle && c.notificationUrl)
    lifecycle = c.notificationUrl.replace(/\/notify(\?|$)/, "/lifecycle$1");
  return {
    tenantId: c.tenantId,
    clientId: c.clientId,
    clientSecret: c.clientSecret,
    authority,
    graphOrigin,
    graphApi: `${graphOrigin}/v1.0`,
    caPem: c.caPem,
    notificationUrl: c.notificationUrl,
    lifecycleNotificationUrl: lifecycle,
    richNotifications: c.richNotifications ?? true,
    pollIntervalMs: Math.max(c.pollIntervalMs ?? 30_000, 200),
    reconcileIntervalMs: c.reconcileIntervalMs ?? 15 * 60_000,
    webhookProbeIntervalMs: c.webhookProbeIntervalMs ?? 5 * 60_000,
    presenceExpiration,
    presenceExpirationMs,
    presenceRefreshBeforeMs: c.presenceRefreshBeforeMs ?? 90_000,
    subscriptionLifetimeMs,
    subscriptionRenewBeforeMs: Math.min(
      c.subscriptionRenewBeforeMs ?? 15 * 60_000,
      subscriptionLifetimeMs / 2,
    ),
    subscriptionCheckIntervalMs: c.subscriptionCheckIntervalMs ?? 45_000,
    certificateRotateBeforeMs: c.certificateRotateBeforeMs ?? 30 * 24 * 3600_000,
    // Longer than the rotation margin, or every check would rotate again.
    certificateLifetimeDays: Math.max(
      c.certificateLifetimeDays ?? 365,
      (c.certificateRotateBeforeMs ?? 30 * 24 * 3600_000) / (24 * 3600_000) + 1,
    ),
    certificateCheckIntervalMs: c.certificateCheckIntervalMs ?? 24 * 3600_000,
    usersPerSubscription,
    maxConcurrency: Math.max(1, c.maxConcurrency ?? 4),
    maxRetries: c.maxRetries ?? 5,
    baseBackoffMs: c.baseBackoffMs ?? 1000,
    maxBackoffMs: c.maxBackoffMs ?? 120_000,
    requestTimeoutMs: c.requestTimeoutMs ?? 30_000,
  };
}
