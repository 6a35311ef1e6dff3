// The EndpointView of one endpoint: both sides' facts, desired vs what the hub set, the last decisions, where
// a diverted call goes (the rule set's CFB plan for this user — the planner the core runs, with the same
// facts) and the warnings an admin can act on.
import { type CfbPlan, describeCfbPlan, planCfb, sameCfbEntry } from "../../engine/rules/cfb.js";
import type { ActiveRuleSet } from "../../engine/rules/types.js";
import type { CfbEntry, PbxUser } from "../../engine/ports/adapters.js";
import type { EndpointSyncSnapshot } from "../../engine/sync/core.js";
import { hubEntries } from "../../engine/sync/hub-set.js";
import type { HubSetState } from "../../engine/sync/types.js";
import type { StoredEndpoint } from "../store/types.js";
import type { EndpointCfbView, EndpointView, EndpointWarning } from "./types.js";

export interface ConnectorInfo {
  name: string;
  type: string;
  defaultDestination: string;
  online: boolean;
  /** False while the PBX refuses the hub's call-forward changes (App object without Admin access). */
  cfbWritable: boolean;
}

/** What the view of one endpoint is built from besides its stored row. */
export interface EndpointFacts {
  tenant: string;
  snap: EndpointSyncSnapshot | undefined;
  /** The PBX user as replicated (undefined: not reported). */
  user: PbxUser | undefined;
  info: ConnectorInfo | undefined;
  rules: ActiveRuleSet | undefined;
  /** False when the mapped Teams user is not in the (loaded) directory. */
  teamsUserKnown: boolean;
}

/** The CFB plan of a diverted call of this user: the same planner the core runs, with the same facts. */
function cfbPlan(
  rs: ActiveRuleSet,
  user: PbxUser | undefined,
  hub: HubSetState | undefined,
  info: ConnectorInfo | undefined,
): CfbPlan {
  return planCfb(rs.cfb, true, {
    userEntries: user ? ownEntries(user, hub) : null,
    defaultDestination: info?.defaultDestination ?? "",
    cfbWritable: info?.cfbWritable ?? true,
  });
}

export function endpointView(e: StoredEndpoint, f: EndpointFacts): EndpointView {
  const { snap, user, info, rules: rs } = f;
  const hub = snap?.hub;
  const warnings: EndpointWarning[] = [];
  if (!e.teamsUserId) {
    warnings.push({
      code: "NO_TEAMS_USER",
      message: "No Teams user with a matching e-mail address; map one manually",
    });
  } else if (!f.teamsUserKnown) {
    warnings.push({ code: "TEAMS_USER_MISSING", message: "The mapped Teams user is not in the directory" });
  }
  if (info && !rs)
    warnings.push({ code: "RULES_MISSING", message: `Connector type ${info.type} has no valid rule set` });
  if (info?.online && !user)
    warnings.push({ code: "PBX_USER_MISSING", message: "The PBX does not report this user" });
  if (user?.cfpr === false)
    warnings.push({ code: "CFPR_OFF", message: "Call forward based on Presence is off" });
  const plan = rs && rs.divertingCells > 0 ? cfbPlan(rs, user, hub, info) : null;
  const ownCfb = !!user && ownEntries(user, hub).length > 0;
  if (plan?.gap === "NO_CFB_DESTINATION")
    warnings.push({
      code: "NO_CFB_DESTINATION",
      message: rs?.cfb.fallback.includes("connectorDefault")
        ? "No CFB destination and no default destination"
        : "No CFB destination of the user's own, and the rule set does not fall back to the connector's default destination",
    });
  else if (plan?.gap === "CFB_FALLBACK_UNAVAILABLE")
    warnings.push({
      code: "CFB_FALLBACK_UNAVAILABLE",
      message: "No CFB destination, and the App object has no Admin access to add the default destination",
    });
  if (snap?.pbxError) warnings.push({ code: "WRITE_FAILED", message: `PBX: ${snap.pbxError}` });
  if (snap?.teamsError) warnings.push({ code: "WRITE_FAILED", message: `Teams: ${snap.teamsError}` });
  return {
    id: e.id,
    tenant: f.tenant,
    connectorId: e.connectorId,
    teamsUserId: e.teamsUserId,
    pbxGuid: e.pbxGuid,
    displayName: e.displayName,
    email: e.email,
    h323: e.h323,
    e164: e.e164,
    enabled: e.enabled,
    match: e.match,
    teams: {
      presence: snap?.teams.facts ?? null,
      observed: snap?.teams.observed ?? null,
      at: snap?.teams.at ?? null,
    },
    pbx: {
      callState: snap?.pbx.callState ?? "idle",
      activity: snap?.pbx.activity ?? "",
      cfpr: user?.cfpr ?? null,
      ownCfb,
      at: snap?.pbx.at ?? null,
    },
    hub: {
      pbx: {
        desired: snap?.desiredPbx
          ? { ...snap.desiredPbx, cfb: snap.desiredPbx.cfb.divert ? "ensure" : "leave" }
          : null,
        acknowledged: hub?.pbx ?? null,
        pending: snap?.pbxPending ?? false,
        lastError: snap?.pbxError ?? null,
        lastWriteAt: snap?.pbxWriteAt ?? null,
        cfbEntry: hub?.cfb ?? null,
      },
      teams: {
        desired: snap?.desiredTeams ?? null,
        acknowledged: hub ? { presence: hub.teams } : null,
        pending: snap?.teamsPending ?? false,
        lastError: snap?.teamsError ?? null,
        lastWriteAt: snap?.teamsWriteAt ?? null,
      },
    },
    lastDecision: {
      teamsToPbx: snap?.lastDecision.teamsToPbx
        ? { ...snap.lastDecision.teamsToPbx, ruleSetRevision: snap.lastDecision.teamsToPbx.revision }
        : null,
      pbxToTeams: snap?.lastDecision.pbxToTeams
        ? { ...snap.lastDecision.pbxToTeams, ruleSetRevision: snap.lastDecision.pbxToTeams.revision }
        : null,
    },
    cfb: plan && cfbView(plan),
    warnings,
    updatedAt: e.updatedAt,
  };
}

/** The user's own CFB entries: everything on the PBX except what the hub holds or may hold. */
function ownEntries(user: PbxUser, hub: HubSetState | undefined): CfbEntry[] {
  const held = hub ? hubEntries(hub) : [];
  return user.cfb.filter((c) => !held.some((h) => sameCfbEntry(h, c)));
}

function cfbView(p: CfbPlan): EndpointCfbView {
  return {
    destination: p.destination,
    source: p.source,
    hubAdds: !!p.entry,
    precedence: !!p.entry?.precedence,
    restore: p.restore,
    gap: p.gap,
    text: describeCfbPlan(p),
  };
}
