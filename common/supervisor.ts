// Connection supervisor, the Home Assistant connector lifecycle both adapters share: one session at a
// time, offline → connecting → online | backoff | auth_failed | error, retries through common/backoff.ts.
// It knows no particular system: the adapter supplies `connect`, its status texts and how its failures map
// to states (Failure). It also owns the status types; engine/ports/adapters.ts re-exports them.
import { Backoff, type BackoffOptions } from "./backoff.js";
import { errorMessage, type HubError, isHubError } from "./errors.js";
import type { Logger } from "./log.js";

/** Supervisor states shown in the Status column. */
export type ConnectorState = "offline" | "connecting" | "online" | "backoff" | "auth_failed" | "error";

export interface ConnectorStatus {
  state: ConnectorState;
  /** A sentence for humans, e.g. "Login failed: wrong app object name or password". */
  reason: string;
  /** ISO time the state was entered. */
  since: string;
  /** For backoff: when the next attempt is due (ISO). */
  retryAt?: string;
}

export interface SupervisorBackoffOptions extends BackoffOptions {
  /** A session must stay up this long before the attempt counter resets (flapping keeps backing off). */
  stableMs?: number;
}

/** A running session: `closed` resolves once, with the reason, if the session ends by itself. */
export interface Session {
  closed: Promise<HubError>;
  /** End the session (stop, restart); the supervisor waits for it before connecting again. */
  close(): void | Promise<void>;
  /** The first online reason (default: the supervisor's `onlineReason`). */
  reason?: string;
  /** Called right after the state became online (e.g. to emit `synchronized`). */
  onOnline?: () => void;
}

/** What a failed connect means for the status line and for the next attempt. */
export interface Failure {
  state: "backoff" | "auth_failed" | "error";
  reason: string;
  /**
   * backoff: the exponential formula. slow: a fixed `slowRetryMs` pause — for problems only a human fixes
   * but which may be fixed elsewhere (a secret propagating in Entra ID). stop: no retry until restarted.
   */
  retry: "backoff" | "slow" | "stop";
}

/**
 * The shared taxonomy (common/errors.ts): a refused login stops — retrying bad credentials only locks the
 * account or floods the peer's log; invalid configuration is permanent; missing access is shown as an
 * error but retried (it may be granted any time); everything else is transient.
 */
export function classifyFailure(e: unknown): Failure {
  const reason = errorMessage(e);
  if (isHubError(e, "AUTH_FAILED")) return { state: "auth_failed", reason, retry: "stop" };
  if (isHubError(e, "CONFIG_INVALID")) return { state: "error", reason, retry: "stop" };
  if (isHubError(e, "ACCESS_DENIED")) return { state: "error", reason, retry: "backoff" };
  return { state: "backoff", reason, retry: "backoff" };
}

export interface SupervisorOptions {
  /** Names the connector in the log line "<name> connector status". */
  name: string;
  /** Reason while connecting, e.g. "Connecting to the PBX". */
  connectingReason: string;
  /** Reason when a session is up and says nothing else. Default "Connected". */
  onlineReason?: string;
  /** Failure → state, text and retry style. Default `classifyFailure`. */
  classify?: (e: unknown) => Failure;
  /** Append "; retrying in N s" to failure reasons. Default true. */
  retryHint?: boolean;
  backoff?: SupervisorBackoffOptions;
  /** The pause for `retry: "slow"`. Default the backoff cap. */
  slowRetryMs?: number;
}

type Outcome = { session: Session } | { error: unknown } | { aborted: true };

export class Supervisor {
  private current: ConnectorStatus = {
    state: "offline",
    reason: "Not started",
    since: new Date().toISOString(),
  };
  private running = false;
  /** Bumped by start/stop so a loop left over from before a stop never continues after a new start. */
  private loopId = 0;
  private readonly backoff: Backoff;
  private timer: NodeJS.Timeout | undefined;
  private wake: (() => void) | undefined;
  private session: Session | undefined;
  /** Aborted when the current attempt or session is abandoned (stop, restart). */
  private attempt: AbortController | undefined;
  private closing: Promise<void> = Promise.resolve();
  /** Number of connect attempts (diagnostics and tests). */
  attempts = 0;

  constructor(
    private readonly connect: (signal: AbortSignal) => Promise<Session>,
    private readonly onStatus: (s: ConnectorStatus) => void,
    private readonly log: Logger,
    private readonly options: SupervisorOptions,
  ) {
    this.backoff = new Backoff(options.backoff);
  }

  status(): ConnectorStatus {
    return { ...this.current };
  }

  /** Started and not stopped (nor halted by a `stop` failure). */
  get active(): boolean {
    return this.running;
  }

  /** While a session is up: show it online with this reason (e.g. "Connected; RCC not available"). */
  setReason(reason: string): void {
    if (this.session) this.set("online", reason);
  }

  /** While a session is up: show a degraded state (e.g. a failed poll) without ending the session. */
  report(state: Failure["state"], reason: string, retryAt?: Date): void {
    if (this.session) this.set(state, reason, retryAt);
  }

  /** Enter a terminal state without connecting (e.g. invalid configuration). */
  fail(state: "error" | "auth_failed", reason: string): void {
    this.halt();
    void this.endSession();
    this.set(state, reason);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.backoff.reset();
    void this.loop(++this.loopId);
  }

  /** Leave the current session, attempt or backoff wait and connect again at once (e.g. new accounts). */
  async restart(): Promise<void> {
    if (!this.running) return;
    this.attempt?.abort();
    this.wake?.();
    await this.endSession();
  }

  async stop(): Promise<void> {
    this.halt();
    await this.endSession();
    this.set("offline", "Stopped");
  }

  /** End the loop wherever it waits: connecting, online or in a backoff pause. */
  private halt(): void {
    this.running = false;
    this.loopId++;
    this.attempt?.abort();
    this.clearTimer();
    this.wake?.();
  }

  private endSession(): Promise<void> {
    const s = this.session;
    this.session = undefined;
    if (s) this.closing = closeQuietly(s, this.log);
    return this.closing;
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private set(state: ConnectorState, reason: string, retryAt?: Date): void {
    const changed = state !== this.current.state || reason !== this.current.reason;
    this.current = { state, reason, since: changed ? new Date().toISOString() : this.current.since };
    if (retryAt) this.current.retryAt = retryAt.toISOString();
    if (changed) {
      this.log.info({ state, reason }, `${this.options.name} connector status`);
      this.onStatus(this.status());
    }
  }

  private async loop(id: number): Promise<void> {
    const live = () => this.running && this.loopId === id;
    while (live()) {
      const attempt = new AbortController();
      this.attempt = attempt;
      this.set("connecting", this.options.connectingReason);
      this.attempts++;
      const outcome = await settle(this.connect(attempt.signal), attempt.signal, this.log);
      if ("aborted" in outcome) {
        // Stopped or restarted: whoever aborted is closing what was there; connect afresh after that.
        await this.closing;
        continue;
      }
      if ("error" in outcome) {
        const failure = (this.options.classify ?? classifyFailure)(outcome.error);
        if (failure.retry === "stop") {
          this.running = false;
          this.set(failure.state, failure.reason);
          return;
        }
        await this.pause(failure);
        continue;
      }
      const session = outcome.session;
      if (attempt.signal.aborted) {
        // Abandoned between the connect's success and here: nobody else knows this session.
        await closeQuietly(session, this.log);
        continue;
      }
      this.session = session;
      const upSince = Date.now();
      this.set("online", session.reason ?? this.options.onlineReason ?? "Connected");
      session.onOnline?.();
      const ended = await Promise.race([session.closed, aborted(attempt.signal).then(() => undefined)]);
      if (Date.now() - upSince >= (this.options.backoff?.stableMs ?? 60_000)) this.backoff.reset();
      if (!ended) {
        // Stopped or restarted: stop()/restart() close the session (or we do, if it was not theirs to
        // see yet); the next connect waits for that, so e.g. subscriptions are deleted before re-creation.
        await (this.session === session ? this.endSession() : this.closing);
        continue;
      }
      if (this.session === session) this.session = undefined;
      if (!live()) return;
      await this.pause({ state: "backoff", reason: `Connection lost: ${ended.message}`, retry: "backoff" });
    }
  }

  private async pause(f: Failure): Promise<void> {
    const delay =
      f.retry === "slow"
        ? (this.options.slowRetryMs ?? this.options.backoff?.capMs ?? 60_000)
        : this.backoff.next();
    const reason =
      this.options.retryHint === false
        ? f.reason
        : `${f.reason}; retrying in ${Math.max(1, Math.round(delay / 1000))} s`;
    this.set(f.state, reason, new Date(Date.now() + delay));
    await new Promise<void>((resolve) => {
      this.wake = resolve;
      this.timer = setTimeout(resolve, delay);
      // A pending retry alone must not keep the process alive (the hub's server does that).
      this.timer.unref?.();
    });
    this.clearTimer();
    this.wake = undefined;
  }
}

/** Resolves when the signal aborts (at once if it already has). */
function aborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
}

/**
 * The attempt's outcome, or `aborted` as soon as the attempt is abandoned — the loop must not wait for a
 * connect stuck in a long timeout. A session that still arrives for an abandoned attempt is closed.
 */
async function settle(pending: Promise<Session>, signal: AbortSignal, log: Logger): Promise<Outcome> {
  const result = pending.then(
    (session): Outcome => ({ session }),
    (error: unknown): Outcome => ({ error }),
  );
  const first = await Promise.race([result, aborted(signal).then((): Outcome => ({ aborted: true }))]);
  if (!signal.aborted) return first;
  void result.then((r) => ("session" in r ? closeQuietly(r.session, log) : undefined));
  return { aborted: true };
}

function closeQuietly(s: Session, log: Logger): Promise<void> {
  return Promise.resolve()
    .then(() => s.close())
    .catch((e: unknown) => log.warn({ err: errorMessage(e) }, "closing a session failed"));
}
