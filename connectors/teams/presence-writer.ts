// Presence writes in the hub's own Graph session (sessionId = the app's client id, msgraph-presence.md §4):
// only the five setPresence pairs, an expirationDuration that is re-sent before it runs out for as long as
// the desired state holds, and clearPresence afterwards (404 = the session is already gone).
import { HubError, errorMessage } from "../../common/errors.js";
import { logger } from "../../common/log.js";
import {
  canonicalActivity,
  canonicalAvailability,
  isSetPresencePair,
  type TeamsPresencePair,
} from "../../engine/presence.js";
import type { ResolvedTeamsConfig } from "./config.js";
import type { GraphClient } from "./graph-client.js";
import type { AccessTokenSource } from "./tokens.js";

const log = logger("teams");

interface Desired {
  pair: TeamsPresencePair;
  timer?: NodeJS.Timeout;
  generation: number;
}

export class PresenceWriter {
  private readonly desired = new Map<string, Desired>();
  /**
   * Writes per user (set, refresh, clear) run one after the other, each after the previous one finished
   * with all of the Graph client's retries: a set or refresh that reached Graph after a later clear would
   * re-create the session the hub believes is gone (and a clear overtaking a set would be lost).
   */
  private readonly chains = new Map<string, Promise<void>>();
  private generation = 0;

  constructor(
    private readonly cfg: ResolvedTeamsConfig,
    private readonly graph: GraphClient,
    private readonly token: AccessTokenSource,
  ) {}

  /** Users the hub currently holds a session for. */
  active(): string[] {
    return [...this.desired.keys()];
  }

  async set(userId: string, pair: TeamsPresencePair): Promise<void> {
    const canonical = {
      availability: canonicalAvailability(pair.availability) ?? pair.availability,
      activity: canonicalActivity(pair.activity) ?? pair.activity,
    };
    if (!isSetPresencePair(canonical)) {
      throw new HubError(
        "VALIDATION",
        `Teams does not accept ${pair.availability}/${pair.activity} through setPresence; use Available/Available, Busy/InACall, Busy/InAConferenceCall, Away/Away or DoNotDisturb/Presenting`,
      );
    }
    const prev = this.desired.get(userId);
    if (prev?.timer) clearTimeout(prev.timer);
    const entry: Desired = { pair: canonical, generation: ++this.generation };
    this.desired.set(userId, entry);
    try {
      await this.serial(userId, () => this.send(userId, canonical));
    } catch (e) {
      if (this.desired.get(userId) === entry) this.desired.delete(userId);
      throw e;
    }
    if (this.desired.get(userId) === entry)
      this.schedule(userId, entry, this.cfg.presenceExpirationMs - this.cfg.presenceRefreshBeforeMs);
  }

  async clear(userId: string): Promise<void> {
    const prev = this.desired.get(userId);
    if (prev?.timer) clearTimeout(prev.timer);
    this.desired.delete(userId);
    await this.serial(userId, async () => {
      await this.graph.request("POST", `/users/${encodeURIComponent(userId)}/presence/clearPresence`, {
        token: this.token,
        body: { sessionId: this.cfg.clientId },
        accept: [404],
      });
    });
  }

  /** Stop refreshing; sessions then expire on their own (the core clears what it must before stopping). */
  stop(): void {
    for (const d of this.desired.values()) if (d.timer) clearTimeout(d.timer);
    this.desired.clear();
  }

  /** Run fn after every earlier write for this user settled (success or failure). */
  private serial(userId: string, fn: () => Promise<void>): Promise<void> {
    const run = (this.chains.get(userId) ?? Promise.resolve()).then(fn);
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    this.chains.set(userId, tail);
    void tail.then(() => {
      if (this.chains.get(userId) === tail) this.chains.delete(userId);
    });
    return run;
  }

  private async send(userId: string, pair: TeamsPresencePair): Promise<void> {
    await this.graph.request("POST", `/users/${encodeURIComponent(userId)}/presence/setPresence`, {
      token: this.token,
      body: { sessionId: this.cfg.clientId, ...pair, expirationDuration: this.cfg.presenceExpiration },
    });
  }

  private schedule(userId: string, entry: Desired, delayMs: number): void {
    entry.timer = setTimeout(
      () => {
        if (this.desired.get(userId) !== entry) return;
        // Not sent if the session was cleared or replaced while earlier writes were still running.
        const sent = this.serial(userId, async () => {
          if (this.desired.get(userId) === entry) await this.send(userId, entry.pair);
        });
        sent.then(
          () => {
            if (this.desired.get(userId) === entry)
              this.schedule(userId, entry, this.cfg.presenceExpirationMs - this.cfg.presenceRefreshBeforeMs);
          },
          (e: unknown) => {
            // Keep trying while the session still has time left; the retry is well inside the refresh margin.
            log.warn({ userId, err: errorMessage(e) }, "presence refresh failed, retrying");
            if (this.desired.get(userId) === entry)
              this.schedule(userId, entry, Math.max(1000, this.cfg.presenceRefreshBeforeMs / 4));
          },
        );
      },
      Math.max(250, delayMs),
    );
    entry.timer.unref?.();
  }
}
