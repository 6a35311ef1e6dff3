// Pure helpers of the sync core: derive the PBX facts from a presence array (the user's activity is the
// newest item outside the hub's slot), compare states, and the neutral desired state used for undo.
import type { PbxPresenceItem } from "../ports/adapters.js";
import { type CfbPlan, type CfbPolicy, DEFAULT_CFB_POLICY, idlePlan, samePlan } from "../rules/cfb.js";
import type { TeamsPresence, TeamsPresencePair } from "../presence.js";
import type { PbxSlot } from "./types.js";

export interface PbxDesiredState {
  activity: string;
  note: string;
  /** Call Forward Busy for this user while the activity is set (engine/rules/cfb.ts). */
  cfb: CfbPlan;
}

const NEUTRAL_RESTORE: PbxDesiredState = Object.freeze({
  activity: "",
  note: "",
  cfb: idlePlan(DEFAULT_CFB_POLICY),
});
const NEUTRAL_KEEP: PbxDesiredState = Object.freeze({
  activity: "",
  note: "",
  cfb: idlePlan({ ...DEFAULT_CFB_POLICY, restore: false }),
});

/**
 * The PBX state the hub wants when it wants nothing: its slot cleared and no CFB entry of its own — removed,
 * or (a rule set with `restore: false`) left to the user.
 */
export function neutralPbx(policy: CfbPolicy = DEFAULT_CFB_POLICY): PbxDesiredState {
  return policy.restore ? NEUTRAL_RESTORE : NEUTRAL_KEEP;
}

/** Splits a newest-first presence array into the user's activity and what the hub slot currently shows. */
export function splitPresence(
  items: readonly PbxPresenceItem[],
  hubContact: string,
): { userActivity: string; hubSlot: PbxSlot | null } {
  let userActivity: string | undefined;
  let hubSlot: PbxSlot | null = null;
  for (const item of items) {
    if (item.contact === hubContact) {
      if (hubSlot === null && item.activity) hubSlot = { activity: item.activity, note: item.note ?? "" };
    } else if (userActivity === undefined) {
      userActivity = item.activity ?? "";
    }
  }
  return { userActivity: userActivity ?? "", hubSlot };
}

/** The desire leaves the user as if the hub were not there: no presence activity and no diversion. */
export function pbxAtRest(d: PbxDesiredState): boolean {
  return d.activity === "" && !d.cfb.divert;
}

export function samePbxDesired(a: PbxDesiredState | null, b: PbxDesiredState | null): boolean {
  if (a === b) return true;
  if (!a || !b) return false;
  return a.activity === b.activity && a.note === b.note && samePlan(a.cfb, b.cfb);
}

/** Slot comparison; null and an empty activity both mean "nothing set". Notes only matter while set. */
export function sameSlot(a: PbxSlot | null, b: PbxSlot | null): boolean {
  const aa = a && a.activity !== "" ? a : null;
  const bb = b && b.activity !== "" ? b : null;
  if (!aa || !bb) return aa === bb;
  return aa.activity === bb.activity && aa.note === bb.note;
}

export function samePair(
  a: TeamsPresencePair | null | undefined,
  b: TeamsPresencePair | null | undefined,
): boolean {
  if (!a || !b) return !a && !b;
  return (
    a.availability.toLowerCase() === b.availability.toLowerCase() &&
    a.activity.toLowerCase() === b.activity.toLowerCase()
  );
}

export function sameTeamsPresence(a: TeamsPresence | null, b: TeamsPresence | null): boolean {
  if (!a || !b) return a === b;
  return samePair(a, b) && a.outOfOffice === b.outOfOffice;
}

/** An observed aggregate that shows exactly the pair of the hub's session (the echo). */
export function showsPair(observed: TeamsPresence, pair: TeamsPresencePair | null | undefined): boolean {
  return !!pair && samePair(observed, pair);
}
