// The Teams adapter attached to the sync core: turns its presence events into the Teams facts of the
// endpoints of that user, with the hub's own session filtered out (teams-echo.ts), watches staleness, and
// keeps the adapter's watch list. What to do about a change is the core's decision (CoreHooks).
import type { Logger } from "../../common/log.js";
import { perSizeInterval, Throttle } from "../../common/throttle.js";
import type { TeamsAdapter } from "../ports/adapters.js";
import type { TeamsPresence } from "../presence.js";
import type { EndpointState } from "./endpoint.js";
import { sameTeamsPresence } from "./facts.js";
import type { CoreHooks } from "./pbx-link.js";
import { StaleWatch } from "./staleness.js";
import { TeamsEchoFilter } from "./teams-echo.js";

export class TeamsLink {
  adapter: TeamsAdapter | null = null;
  /** Set while the Teams connector is being switched off: every hub session is cleared first. */
  releasing = false;
  readonly echo: TeamsEchoFilter;
  readonly stale: StaleWatch;
  private unsubscribe: (() => void)[] = [];
  /** Rebuilding the watch list is O(endpoints): coalesced, and spaced out on large hubs. */
  private readonly watchList = new Throttle(
    () => this.pushWatch(),
    () => perSizeInterval(this.byUser.size),
  );

  constructor(
    private readonly core: CoreHooks,
    /** Endpoints by Teams user id. */
    private readonly byUser: ReadonlyMap<string, readonly EndpointState[]>,
    private readonly all: () => Iterable<EndpointState>,
    options: { echoGraceMs: number; staleAfterMs: number; log: Logger },
  ) {
    this.echo = new TeamsEchoFilter(options.echoGraceMs, (ep) => this.reevaluate(ep));
    this.stale = new StaleWatch(options.staleAfterMs, () => {
      options.log.warn("Teams offline too long: its facts are stale; PBX made neutral");
      for (const ep of this.all()) {
        ep.teamsFacts = null;
        ep.teamsObserved = null;
        this.core.recomputePbx(ep, false);
      }
    });
  }

  /** Attach (or replace, or detach with null) the adapter. */
  attach(adapter: TeamsAdapter | null): void {
    for (const u of this.unsubscribe) u();
    this.unsubscribe = [];
    this.adapter = adapter;
    this.releasing = false;
    this.stale.online();
    for (const ep of this.all()) ep.teamsFresh = false;
    if (!adapter) return;
    this.unsubscribe.push(
      adapter.on("presence", (userId, p) => this.onPresence(userId, p)),
      adapter.on("synchronized", () => {
        for (const ep of this.all()) {
          this.core.recompute(ep);
          this.core.markTeams(ep.binding.id);
        }
      }),
      adapter.on("status", (st) => this.onStatus(st.state === "online")),
    );
    if (adapter.status().state !== "online") this.onStatus(false);
    this.queueWatch();
  }

  /** Tell the adapter which users to report, once however many endpoints changed (see watchList). */
  queueWatch(): void {
    this.watchList.schedule();
  }

  /** Stop pending watch-list work (core closed). */
  close(): void {
    this.watchList.close();
  }

  private pushWatch(): void {
    const t = this.adapter;
    if (!t) return;
    const ids = new Set<string>();
    for (const ep of this.all()) if (ep.binding.teamsUserId && ep.binding.enabled) ids.add(ep.binding.teamsUserId);
    t.watch([...ids]);
  }

  /** The echo window changed: the last observation may now be the user's own presence. */
  reevaluate(ep: EndpointState): void {
    const p = ep.teamsObserved;
    if (!p || this.echo.isEcho(ep, p) || sameTeamsPresence(ep.teamsFacts, p)) return;
    ep.teamsFacts = p;
    this.core.recomputePbx(ep, true);
  }

  private onPresence(userId: string, p: TeamsPresence): void {
    const list = this.byUser.get(userId);
    if (!list) return;
    const at = new Date().toISOString();
    for (const ep of list) {
      ep.teamsObserved = p;
      ep.teamsAt = at;
      const echo = this.echo.isEcho(ep, p);
      this.core.notify({ kind: "event.processed", side: "teams", echo });
      if (echo || sameTeamsPresence(ep.teamsFacts, p)) continue;
      // The first presence after a start is the state the user was in, not a change: log only what it changes.
      const known = ep.teamsFacts !== null;
      ep.teamsFacts = p;
      this.core.recomputePbx(ep, known);
    }
  }

  private onStatus(online: boolean): void {
    if (online) {
      if (this.stale.online()) for (const ep of this.all()) this.core.recomputePbx(ep, false);
      return;
    }
    this.stale.offline();
  }
}
