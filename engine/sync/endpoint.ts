// One endpoint as the sync core holds it: the binding it was given, the facts of both sides, the desired
// state per side, what the hub set (persisted) and the last decision per direction. Plain fields on one
// record, because at 100,000 endpoints every nested object and closure is memory (docs/evidence.md F6).
import type { CfbEntry } from "../ports/adapters.js";
import type { PbxCallState, TeamsPresence, TeamsPresencePair } from "../presence.js";
import type { PbxDesiredState } from "./facts.js";
import { normalizeHubSet } from "./hub-set.js";
import type { DecisionRecord, HubSetState, PbxSlot, SyncBinding } from "./types.js";

export interface EndpointState {
  binding: SyncBinding;
  /** Being undone (connector disabled/deleted, hub stopping): the hub wants both sides neutral. */
  released: boolean;
  /** Last observed Teams aggregate, including the hub's own echo. */
  teamsObserved: TeamsPresence | null;
  /** The user's own Teams presence (what the rules see); null = not known yet. */
  teamsFacts: TeamsPresence | null;
  teamsAt: string | null;
  /** The pair the hub cleared recently and until when its late echo is expected. */
  clearedEcho: { pair: TeamsPresencePair; until: number; timer: NodeJS.Timeout } | null;
  callState: PbxCallState | null;
  /** The activity the user set on the PBX (never the hub's slot); null = not known yet. */
  userActivity: string | null;
  hubSlotObserved: PbxSlot | null;
  pbxAt: string | null;
  desiredPbx: PbxDesiredState | null;
  desiredTeams: { presence: TeamsPresencePair | null } | null;
  hub: HubSetState;
  /**
   * The hub's CFB entry as last seen in the PBX's own list of the user's entries. Only an entry the PBX once
   * showed can be said to have been removed by someone (an earlier list may lag behind the hub's add).
   */
  cfbSeen: CfbEntry | null;
  /** False for a Teams acknowledgement from before this process/adapter: re-send so the session is refreshed. */
  teamsFresh: boolean;
  pbxError: string | null;
  teamsError: string | null;
  pbxWriteAt: string | null;
  teamsWriteAt: string | null;
  lastTeamsToPbx: DecisionRecord | null;
  lastPbxToTeams: DecisionRecord | null;
}

export function newEndpointState(binding: SyncBinding, persisted: HubSetState | undefined): EndpointState {
  return {
    binding,
    released: false,
    teamsObserved: null,
    teamsFacts: null,
    teamsAt: null,
    clearedEcho: null,
    callState: null,
    userActivity: null,
    hubSlotObserved: null,
    pbxAt: null,
    desiredPbx: null,
    desiredTeams: null,
    hub: normalizeHubSet(persisted),
    cfbSeen: null,
    teamsFresh: false,
    pbxError: null,
    teamsError: null,
    pbxWriteAt: null,
    teamsWriteAt: null,
    lastTeamsToPbx: null,
    lastPbxToTeams: null,
  };
}
