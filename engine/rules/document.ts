// The shape of a rule-set YAML document after schema validation, plus the fact domains the loader
// enumerates. Kept separate from types.ts (the consumer contract) because only the loader needs it.
import { PBX_ACTIVITIES, PBX_CALL_STATES, TEAMS_ACTIVITIES, TEAMS_AVAILABILITIES } from "../presence.js";

export type ValueList = string | string[];

export interface PbxOutputDoc {
  activity: string;
  note?: string;
  cfb?: "ensure" | "leave";
}

export interface TeamsOutputDoc {
  /** "Availability/Activity" of a setPresence pair, or "clear". */
  presence: string;
}

export interface TeamsRuleDoc {
  name: string;
  description?: string;
  priority?: number;
  when: { availability?: ValueList; activity?: ValueList; outOfOffice?: boolean };
  then: PbxOutputDoc;
}

export interface PbxRuleDoc {
  name: string;
  description?: string;
  priority?: number;
  when: { callState?: ValueList; activity?: ValueList };
  then: TeamsOutputDoc;
}

export type CfbFallbackStep = "userCfb" | "connectorDefault";

export interface CfbPolicyDoc {
  fallback: CfbFallbackStep[];
  restore?: boolean;
}

export interface RuleTestDoc {
  name: string;
  teams?: { availability: string; activity: string; outOfOffice?: boolean };
  pbx?: { callState: string; activity?: string };
  expect: { rule?: string; activity?: string; note?: string; cfb?: "ensure" | "leave"; presence?: string };
}

export interface RuleSetDoc {
  id: string;
  title: string;
  description: string;
  adapter: string;
  /** Fragment names, as written (the loader resolves them; the doc it hands on is already composed). */
  extend?: string[];
  words?: Record<string, string>;
  teamsToPbx: { rules: TeamsRuleDoc[]; default: PbxOutputDoc };
  pbxToTeams: { rules: PbxRuleDoc[]; default: TeamsOutputDoc };
  cfb: CfbPolicyDoc;
  tests: RuleTestDoc[];
}

/** One fragment file (rules/fragments/<name>.yaml) after schema validation. */
export interface FragmentDoc {
  description?: string;
  extend?: string[];
  words?: Record<string, string>;
  teamsToPbx?: { rules: TeamsRuleDoc[] };
  pbxToTeams?: { rules: PbxRuleDoc[] };
  cfb?: CfbPolicyDoc;
  tests?: RuleTestDoc[];
}

/** PBX activity domain for PBX → Teams conditions: the documented values plus "other" (anything else). */
export const PBX_ACTIVITY_DOMAIN = [...PBX_ACTIVITIES, "other"] as const;

export const TEAMS_DOMAIN = {
  availability: TEAMS_AVAILABILITIES as readonly string[],
  activity: TEAMS_ACTIVITIES as readonly string[],
  outOfOffice: [false, true] as const,
};

export const PBX_DOMAIN = {
  callState: PBX_CALL_STATES as readonly string[],
  activity: PBX_ACTIVITY_DOMAIN as readonly string[],
};

/** Template variables a note may use. */
export const NOTE_VARIABLES = ["activity", "availability"] as const;

/** Words for Teams values in note templates ("In a Teams {{activity}}" → "In a Teams call"). */
export const DEFAULT_WORDS: Record<string, string> = {
  // activities
  Available: "available",
  Away: "away",
  BeRightBack: "be right back",
  Busy: "busy",
  DoNotDisturb: "do not disturb",
  InACall: "call",
  InAConferenceCall: "conference call",
  Inactive: "inactive",
  InAMeeting: "meeting",
  Offline: "offline",
  OffWork: "off work",
  OutOfOffice: "out of office",
  PresenceUnknown: "unknown presence",
  Presenting: "presentation",
  UrgentInterruptionsOnly: "urgent interruptions only",
  // availabilities not already listed above
  AvailableIdle: "available (idle)",
  BusyIdle: "busy (idle)",
};

/** "Busy/InACall" → pair; "clear" → null. */
export function parsePresenceOutput(value: string): { availability: string; activity: string } | null {
  if (value === "clear") return null;
  const [availability, activity] = value.split("/");
  return { availability: availability ?? "", activity: activity ?? "" };
}

export function asList(v: ValueList | undefined): string[] | undefined {
  if (v === undefined) return undefined;
  return Array.isArray(v) ? v : [v];
}
