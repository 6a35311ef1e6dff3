// Echo suppression on the Teams side (docs/sync.md §2). Graph reports only the aggregate of all sessions,
// so an observation equal to the pair of the hub's own session (wanted, being written or acknowledged)
// cannot be told from the user's own presence and is taken as the hub's echo. A pair the hub just cleared
// is still an echo for a grace window (Graph's aggregate catches up late); when the window closes, the last
// observation counts as the user's own again.
import type { TeamsPresence, TeamsPresencePair } from "../presence.js";
import type { EndpointState } from "./endpoint.js";
import { showsPair } from "./facts.js";

export class TeamsEchoFilter {
  constructor(
    private readonly graceMs: number,
    /** Called when a grace window closes: the last observation may now be the user's own presence. */
    private readonly onWindowClosed: (ep: EndpointState) => void,
  ) {}

  isEcho(ep: EndpointState, p: TeamsPresence): boolean {
    if (showsPair(p, ep.desiredTeams?.presence) || showsPair(p, ep.hub.teams)) return true;
    return !!ep.clearedEcho && ep.clearedEcho.until > Date.now() && showsPair(p, ep.clearedEcho.pair);
  }

  /** The hub cleared its session showing `pair`: expect its late echo for the grace window. */
  cleared(ep: EndpointState, pair: TeamsPresencePair): void {
    this.dispose(ep);
    const timer = setTimeout(() => {
      if (ep.clearedEcho?.timer === timer) ep.clearedEcho = null;
      this.onWindowClosed(ep);
    }, this.graceMs);
    timer.unref?.();
    ep.clearedEcho = { pair, until: Date.now() + this.graceMs, timer };
  }

  dispose(ep: EndpointState): void {
    if (ep.clearedEcho) clearTimeout(ep.clearedEcho.timer);
  }
}
