// The apply protocol of the Teams side: bring the hub's own Graph session of the endpoint's Teams user to the
// desired pair — clear it (nothing wanted, or the endpoint was remapped to another Teams user), set it, or
// re-send it once per adapter so the adapter keeps refreshing it. The dirty flag is persisted before every
// write, so a hub that died mid-write clears or re-sends instead of trusting a value it never saw confirmed.
import type { TeamsAdapter } from "../ports/adapters.js";
import type { EndpointState } from "./endpoint.js";
import { samePair } from "./facts.js";
import type { RunResult } from "./worker.js";
import type { ApplyContext } from "./writes.js";

export interface TeamsApplyHooks {
  /** The hub cleared a session that showed `pair`: its late echo is expected for a while. */
  cleared(ep: EndpointState, pair: EndpointState["hub"]["teams"]): void;
  /** What the hub wants or holds changed: the last observation may now be the user's own presence. */
  reevaluate(ep: EndpointState): void;
}

export async function applyTeams(
  ep: EndpointState,
  t: TeamsAdapter,
  ctx: ApplyContext,
  hooks: TeamsApplyHooks,
): Promise<RunResult> {
  const d = ep.desiredTeams;
  if (!d) return "done";
  if (t.status().state !== "online") return "deferred";
  const userId = ep.binding.teamsUserId;
  const hub = ep.hub;
  const write = (
    op: "setPresence" | "clearPresence",
    target: string,
    detail: Record<string, unknown>,
    fn: () => Promise<void>,
  ) => ctx.write(ep, "teams", op, { userId: target, ...detail }, fn);
  const sessionUser = hub.teamsUserId ?? userId;
  const hasSession = hub.teams !== null || hub.teamsDirty;
  // Clear: nothing wanted, or the session lives on a Teams user the endpoint is no longer mapped to.
  if (hasSession && sessionUser && (d.presence === null || sessionUser !== userId)) {
    const cleared = hub.teams;
    ctx.setHub(ep, { teamsDirty: true });
    const ok = await write("clearPresence", sessionUser, {}, () => t.clearPresence(sessionUser));
    if (!ok) return "retry";
    ctx.setHub(ep, { teams: null, teamsUserId: null, teamsDirty: false });
    if (cleared) hooks.cleared(ep, cleared);
    hooks.reevaluate(ep);
  }
  const want = ep.desiredTeams?.presence ?? null;
  if (want && userId && (ep.hub.teamsDirty || !ep.teamsFresh || !samePair(ep.hub.teams, want))) {
    ctx.setHub(ep, { teamsDirty: true, teamsUserId: userId });
    const ok = await write(
      "setPresence",
      userId,
      { availability: want.availability, activity: want.activity },
      () => t.setPresence(userId, want),
    );
    if (!ok) return "retry";
    ep.teamsFresh = true;
    ctx.setHub(ep, { teams: want, teamsUserId: userId, teamsDirty: false });
  }
  if (!want && !hasSession) ep.teamsFresh = true;
  hooks.reevaluate(ep);
  ctx.notify({ kind: "endpoint.changed", endpointId: ep.binding.id });
  return "done";
}
