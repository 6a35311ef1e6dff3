// Minimal Microsoft Graph REST client (plain HTTP + JSON, msgraph-presence.md §6): bearer tokens from an
// AccessTokenSource, bounded concurrency, retries on 429 (Retry-After) / 5xx / network errors, and every
// failure mapped to a typed HubError carrying the HTTP status and Graph error code in `details`.
import { randomUUID } from "node:crypto";
import { setMaxListeners } from "node:events";
import { type BackoffOptions, backoffDelay } from "../../common/backoff.js";
import { HubError, isHubError } from "../../common/errors.js";
import { logger } from "../../common/log.js";
import type { ResolvedTeamsConfig } from "./config.js";
import type { HttpTransport } from "./http.js";
import { Limiter, parseRetryAfter, sleep } from "./throttling.js";
import type { AccessTokenSource } from "./tokens.js";

const log = logger("teams");

export interface GraphResponse<T> {
  status: number;
  body: T;
  headers: Record<string, string>;
}

export interface GraphRequestOptions {
  body?: unknown;
  token: AccessTokenSource;
  /** Statuses returned to the caller instead of thrown (e.g. 404 for clearPresence). */
  accept?: number[];
  /** Override the retry count (0 = single attempt, e.g. connection tests). */
  maxRetries?: number;
  timeoutMs?: number;
}

interface GraphErrorBody {
  error?: { code?: string; message?: string };
}

/**
 * The controller whose signal ends every pending backoff sleep. While Graph throttles, each request in
 * flight sleeps on it (one listener each, removed when the sleep ends), so more than Node's default of 10
 * listeners is normal, not a leak: the bound is the number of requests in flight.
 */
function stopSignal(): AbortController {
  const c = new AbortController();
  setMaxListeners(0, c.signal);
  return c;
}

export class GraphClient {
  private readonly limiter: Limiter;
  /** While throttled, every request waits until this time (usage is counted while throttled, §4.5). */
  private throttledUntil = 0;
  private stopped = stopSignal();

  constructor(
    private readonly cfg: ResolvedTeamsConfig,
    private readonly transport: HttpTransport,
  ) {
    this.limiter = new Limiter(cfg.maxConcurrency);
  }

  /** Abort pending backoff sleeps (adapter stop). */
  close(): void {
    this.stopped.abort();
    this.stopped = stopSignal();
  }

  /** While Graph throttles the tenant, wait (every request: usage is counted while throttled, §4.5). */
  private async throttleWait(): Promise<void> {
    const wait = this.throttledUntil - Date.now();
    if (wait > 0) await sleep(wait, this.stopped.signal);
  }

  /** `path` is relative to /v1.0 (e.g. "/users") or an absolute @odata.nextLink. */
  async request<T>(method: string, path: string, options: GraphRequestOptions): Promise<GraphResponse<T>> {
    const url = path.startsWith("http") ? path : `${this.cfg.graphApi}${path}`;
    const maxRetries = options.maxRetries ?? this.cfg.maxRetries;
    const policy: BackoffOptions = { baseMs: this.cfg.baseBackoffMs, capMs: this.cfg.maxBackoffMs };
    let refreshedToken = false;
    for (let attempt = 0; ; attempt++) {
      await this.throttleWait();
      let res: { status: number; headers: Record<string, string>; body: string };
      /** The wait a 429 asked for (Retry-After, else the backoff), fixed when the answer arrived. */
      let throttleMs = 0;
      try {
        const token = await options.token.getToken();
        res = await this.limiter.run(async () => {
          // Again with a slot: a request queued behind the one that got a 429 must not go out now.
          await this.throttleWait();
          const r = await this.transport.request({
            method,
            url,
            headers: {
              authorization: `Bearer ${token}`,
              accept: "application/json",
              "client-request-id": randomUUID(),
              ...(options.body !== undefined ? { "content-type": "application/json" } : {}),
            },
            body: options.body === undefined ? undefined : JSON.stringify(options.body),
            timeoutMs: options.timeoutMs ?? this.cfg.requestTimeoutMs,
          });
          if (r.status === 429) {
            // Set before the slot is released, so the next queued request already sees it.
            throttleMs = backoffDelay(attempt, policy, parseRetryAfter(r.headers["retry-after"]));
            this.throttledUntil = Math.max(this.throttledUntil, Date.now() + throttleMs);
          }
          return r;
        });
      } catch (e) {
        const transient =
          isHubError(e) && ["CONNECT_FAILED", "TIMEOUT", "CONNECTION_CLOSED", "UPSTREAM"].includes(e.code);
        if (!transient || attempt >= maxRetries) throw e;
        const d = backoffDelay(attempt, policy);
        log.warn(
          { method, path: redactPath(path), attempt, delayMs: d, err: (e as Error).message },
          "graph request failed, retrying",
        );
        await sleep(d, this.stopped.signal);
        continue;
      }
      const status = res.status;
      if ((status >= 200 && status < 300) || options.accept?.includes(status)) {
        let body: unknown;
        try {
          body = res.body ? JSON.parse(res.body) : undefined;
        } catch {
          body = res.body;
        }
        return { status, body: body as T, headers: res.headers };
      }
      const parsed = safeJson(res.body) as GraphErrorBody | undefined;
      const gcode = parsed?.error?.code ?? "";
      const gmsg = parsed?.error?.message ?? res.body.slice(0, 300);
      const details = { status, graphCode: gcode, method, path: redactPath(path) };
      if (status === 401 && !refreshedToken) {
        // An expired or revoked token: fetch a fresh one once before giving up.
        refreshedToken = true;
        options.token.invalidate();
        attempt--;
        continue;
      }
      if (status === 429 || status >= 500) {
        if (attempt >= maxRetries) {
          throw new HubError(
            status === 429 ? "THROTTLED" : "UPSTREAM",
            `Microsoft Graph answered ${status} ${gcode}: ${gmsg}`,
            { details },
          );
        }
        // Retry-After when Graph sent one (honoured exactly, capped by maxBackoffMs), else the backoff.
        const d =
          status === 429 ? throttleMs : backoffDelay(attempt, policy, parseRetryAfter(res.headers["retry-after"]));
        log.warn(
          { method, path: redactPath(path), status, attempt, delayMs: d },
          "graph throttled or failing, backing off",
        );
        await sleep(d, this.stopped.signal);
        continue;
      }
      const code =
        status === 401
          ? "AUTH_FAILED"
          : status === 403
            ? "ACCESS_DENIED"
            : status === 404
              ? "NOT_FOUND"
              : status === 409
                ? "CONFLICT"
                : "PROTOCOL";
      throw new HubError(code, `Microsoft Graph answered ${status} ${gcode}: ${gmsg}`, { details });
    }
  }
}

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return undefined;
  }
}

/** Paths carry user ids only, but strip query strings (filters) to keep log lines short. */
function redactPath(p: string): string {
  return p.replace(/^https?:\/\/[^/]+/, "").replace(/\?.*$/, "");
}
