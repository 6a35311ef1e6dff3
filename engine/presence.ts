// The presence vocabulary both sides speak: documented value sets and the normalized facts that flow
// from connector adapters into the sync core. Sources: docs/reference/msgraph-presence.md §1.2, §4.1
// and innovaphone-appwebsocket.md §3.2, §6.1.

/** Graph presence `availability`, all 9 documented values (PascalCase as the API returns them). */
export const TEAMS_AVAILABILITIES = [
  "Available",
  "AvailableIdle",
  "Away",
  "BeRightBack",
  "Busy",
  "BusyIdle",
  "DoNotDisturb",
  "Offline",
  "PresenceUnknown",
] as const;

/** Graph presence `activity`, all 15 documented values. */
export const TEAMS_ACTIVITIES = [
  "Available",
  "Away",
  "BeRightBack",
  "Busy",
  "DoNotDisturb",
  "InACall",
  "InAConferenceCall",
  "Inactive",
  "InAMeeting",
  "Offline",
  "OffWork",
  "OutOfOffice",
  "PresenceUnknown",
  "Presenting",
  "UrgentInterruptionsOnly",
] as const;

export type TeamsAvailability = (typeof TEAMS_AVAILABILITIES)[number];
export type TeamsActivity = (typeof TEAMS_ACTIVITIES)[number];

/** The only availability/activity pairs Graph `setPresence` accepts (msgraph-presence.md §4.1). */
export const SET_PRESENCE_PAIRS = [
  { availability: "Available", activity: "Available" },
  { availability: "Busy", activity: "InACall" },
  { availability: "Busy", activity: "InAConferenceCall" },
  { availability: "Away", activity: "Away" },
  { availability: "DoNotDisturb", activity: "Presenting" },
] as const;

export type TeamsPresencePair = { availability: string; activity: string };

/** innovaphone presence activities the hub may write ("" = available / clear). innovaphone-appwebsocket.md §3.2. */
export const PBX_ACTIVITIES = ["", "away", "busy", "dnd", "meeting", "lunch", "vacation", "on-the-phone"] as const;
export type PbxActivity = (typeof PBX_ACTIVITIES)[number];

/** A user's PBX call state, derived from RCC call events (innovaphone-appwebsocket.md §6.1). */
export const PBX_CALL_STATES = ["idle", "alerting", "connected", "held"] as const;
export type PbxCallState = (typeof PBX_CALL_STATES)[number];

/** Normalized Teams presence of one user as observed by the Teams adapter. Unknown strings are kept. */
export interface TeamsPresence {
  availability: string;
  activity: string;
  outOfOffice: boolean;
}

/** Normalized PBX facts of one user: call state and the activity the *user* set (never the hub's slot). */
export interface PbxFacts {
  callState: PbxCallState;
  activity: string;
}

const availabilityByLower = new Map<string, TeamsAvailability>(TEAMS_AVAILABILITIES.map((v) => [v.toLowerCase(), v]));
const activityByLower = new Map<string, TeamsActivity>(TEAMS_ACTIVITIES.map((v) => [v.toLowerCase(), v]));

/** Canonical spelling of a Graph availability, or undefined when it is not one of the 9 documented values. */
export function canonicalAvailability(value: string): TeamsAvailability | undefined {
  return availabilityByLower.get(value.toLowerCase());
}

/** Canonical spelling of a Graph activity, or undefined when it is not one of the 15 documented values. */
export function canonicalActivity(value: string): TeamsActivity | undefined {
  return activityByLower.get(value.toLowerCase());
}

export function isSetPresencePair(p: TeamsPresencePair): boolean {
  return SET_PRESENCE_PAIRS.some((x) => x.availability === p.availability && x.activity === p.activity);
}
