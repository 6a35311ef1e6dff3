// A read-only snapshot of one endpoint for views (the server's EndpointView is built from it): the facts of
// both sides, desired vs what the hub set, pending writes, errors and the last decision per direction.
import type { PbxCallState, TeamsPresence, TeamsPresencePair } from "../presence.js";
import type { EndpointState } from "./endpoint.js";
import type { PbxDesiredState } from "./facts.js";
import type { DecisionRecord, HubSetState, PbxSlot, SyncBinding } from "./types.js";

export interface EndpointSyncSnapshot {
  binding: SyncBinding;
  released: boolean;
  teams: { facts: TeamsPresence | null; observed: TeamsPresence | null; at: string | null };
  pbx: {
    callState: PbxCallState | null;
    activity: string | null;
    hubSlot: PbxSlot | null;
    at: string | null;
  };
  desiredPbx: PbxDesiredState | null;
  desiredTeams: { presence: TeamsPresencePair | null } | null;
  hub: HubSetState;
  pbxPending: boolean;
  teamsPending: boolean;
  pbxError: string | null;
  teamsError: string | null;
  pbxWriteAt: string | null;
  teamsWriteAt: string | null;
  lastDecision: { teamsToPbx: DecisionRecord | null; pbxToTeams: DecisionRecord | null };
}

export function snapshotOf(
  ep: EndpointState,
  pbxPending: boolean,
  teamsPending: boolean,
): EndpointSyncSnapshot {
  return {
    binding: ep.binding,
    released: ep.released,
    teams: { facts: ep.teamsFacts, observed: ep.teamsObserved, at: ep.teamsAt },
    pbx: { callState: ep.callState, activity: ep.userActivity, hubSlot: ep.hubSlotObserved, at: ep.pbxAt },
    desiredPbx: ep.desiredPbx,
    desiredTeams: ep.desiredTeams,
    hub: ep.hub,
    pbxPending,
    teamsPending,
    pbxError: ep.pbxError,
    teamsError: ep.teamsError,
    pbxWriteAt: ep.pbxWriteAt,
    teamsWriteAt: ep.teamsWriteAt,
    lastDecision: { teamsToPbx: ep.lastTeamsToPbx, pbxToTeams: ep.lastPbxToTeams },
  };
}
