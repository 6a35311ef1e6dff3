// Connection supervisor (architecture.md §4.2, Home Assistant lifecycle): runs one session at a time and
// maps failures to the shared taxonomy — transient → backoff (exponential, full jitter, 1 s → 60 s cap,
// reset only after a stable period), AUTH_FAILED → auth_failed with no retries, CONFIG_INVALID → error.
// It knows nothing about innovaphone; the adapter supplies `connect`.
import { errorMessage, type HubError, isHubError } from "../../common/errors.js";
import type { Logger } from "../../common/log.js";
import type { ConnectorState, ConnectorStatus } from "../../engine/ports/adapters.js";

export interface BackoffOptions {
  baseMs?: number;
  capMs?: number;
  /** A session must stay up this long before the attempt counter resets. */
  stableMs?: number;
  /** Injectable randomness for deterministic tests (0 ≤ r < 1). */
  random?: () => number;
}

/** Full-jitter delay for attempt n (0-based): uniform in [0, min(cap, base·2^n)], at least 50 ms. */
export function backoffDelay(attempt: number, o: BackoffOptions = {}): number {
  const base = o.baseMs ?? 1000;
  const cap = o.capMs ?? 60_000;
  const ceiling = Math.min(cap, base * 2 ** Math.min(attempt, 30));
  return Math.max(50, Math.floor((o.random ?? Math.random)() * ceiling));
}

/** A running session: resolves `closed` once with the reason the session ended. */
export interface Session {
  closed: Promise<HubError>;
  close(): void;
  /** Called right after the state became online (e.g. to emit `synchronized`). */
  onOnline?: () => void;
}

export class Supervisor {
  private current: ConnectorStatus = {
    state: "offline",
    reason: "Not started",
    since: new Date().toISOString(),
  };
  private running = false;
  private attempt = 0;
  private timer: NodeJS.Timeout | undefined;
  private session: Session | undefined;
  private wake: (() => void) | undefined;
  /** Number of connect attempts (diagnostics and tests). */
  attempts = 0;

  constructor(
    private readonly connect: () => Promise<Session>,
    private readonly onStatus: (s: ConnectorStatus) => void,
    private readonly log: Logger,
    private readonly backoff: BackoffOptions = {},
  ) {}

  status(): ConnectorStatus {
    return { ...this.current };
  }

  /** Report a degraded-but-online reason (e.g. RCC unavailable) without changing the state. */
  setReason(reason: string): void {
    if (this.current.state === "online") this.set("online", reason);
  }

  /** Enter a terminal state without connecting (e.g. invalid configuration). */
  fail(state: "error" | "auth_failed", reason: string): void {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.set(state, reason);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.attempt = 0;
    void this.loop();
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.wake?.();
    this.session?.close();
    this.session = undefined;
    this.set("offline", "Stopped");
  }

  private set(state: ConnectorState, reason: string, retryAt?: Date): void {
    const changed = state !== this.current.state || reason !== this.current.reason;
    this.current = { state, reason, since: changed ? new Date().toISOString() : this.current.since };
    if (retryAt) this.current.retryAt = retryAt.toISOString();
    if (changed) {
      this.log.info({ state, reason }, "innovaphone connector status");
      this.onStatus(this.status());
    }
  }

  private async loop(): Promise<void> {
    while (this.running) {
      this.set("connecting", "Connecting to the PBX");
      this.attempts++;
      let session: Session;
      try {
        session = await this.connect();
      } catch (e) {
        if (!this.running) return;
        if (isHubError(e, "AUTH_FAILED")) {
          // Retrying bad credentials only locks the account or floods the PBX log; wait for new config.
          this.running = false;
          this.set("auth_failed", errorMessage(e));
          return;
        }
        if (isHubError(e, "CONFIG_INVALID")) {
          this.running = false;
          this.set("error", errorMessage(e));
          return;
        }
        await this.sleepBackoff(errorMessage(e), isHubError(e, "ACCESS_DENIED") ? "error" : "backoff");
        continue;
      }
      if (!this.running) {
        session.close();
        return;
      }
      this.session = session;
      const upSince = Date.now();
      this.set("online", "Connected");
      session.onOnline?.();
      const reason = await session.closed;
      this.session = undefined;
      if (!this.running) return;
      if (Date.now() - upSince >= (this.backoff.stableMs ?? 60_000)) this.attempt = 0;
      await this.sleepBackoff(`Connection lost: ${reason.message}`, "backoff");
    }
  }

  private async sleepBackoff(reason: string, state: "backoff" | "error"): Promise<void> {
    const delay = backoffDelay(this.attempt++, this.backoff);
    const at = new Date(Date.now() + delay);
    this.set(state, `${reason}; retrying in ${Math.max(1, Math.round(delay / 1000))} s`, at);
    await new Promise<void>((resolve) => {
      this.wake = resolve;
      this.timer = setTimeout(resolve, delay);
    });
    this.wake = undefined;
  }
}
