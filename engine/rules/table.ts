// Decision tables and the published rule set. At load time every cell of the finite input domain is
// evaluated once by json-rules-engine (fresh Engine per cell); afterwards decide*() is a Map lookup.
// Unknown input values fall to the default and are logged once per value.
import { logger } from "../../common/log.js";
import { PBX_ACTIVITIES, type PbxFacts, type TeamsPresence } from "../presence.js";
import type { CfbPolicy } from "./cfb.js";
import type { CompositionInfo } from "./compose.js";
import { type CompiledRule, evaluate, pbxFacts, teamsFacts } from "./compile.js";
import {
  DEFAULT_WORDS,
  PBX_DOMAIN,
  type PbxOutputDoc,
  type PbxRuleDoc,
  parsePresenceOutput,
  type RuleSetDoc,
  TEAMS_DOMAIN,
  type TeamsOutputDoc,
  type TeamsRuleDoc,
} from "./document.js";
import type { RuleDiagnostic } from "./diagnostics.js";
import type { ActiveRuleSet, PbxPresenceDecision, TeamsPresenceDecision } from "./types.js";

const log = logger("rules");

export interface TeamsCell {
  availability: string;
  activity: string;
  outOfOffice: boolean;
  decision: PbxPresenceDecision;
}

export interface PbxCell {
  callState: string;
  /** PBX activity the user set ("" = available, "other" = anything undocumented). */
  activity: string;
  decision: TeamsPresenceDecision;
}

export interface DecisionTables {
  teamsToPbx: TeamsCell[];
  pbxToTeams: PbxCell[];
}

export const pbxKey = (callState: string, activity: string): string =>
  `${callState.toLowerCase()}|${activity.toLowerCase()}`;

const PBX_ACTIVITY_SET = new Set<string>(PBX_ACTIVITIES);

/** Render a note template: {{activity}} / {{availability}} become words. */
export function renderNote(
  template: string | undefined,
  words: Record<string, string>,
  availability: string,
  activity: string,
): string {
  if (!template) return "";
  return template.replace(/\{\{\s*(activity|availability)\s*\}\}/g, (_m, v: string) => {
    const raw = v === "activity" ? activity : availability;
    return words[raw] ?? raw;
  });
}

export function pbxDecision(
  rule: string,
  out: PbxOutputDoc,
  words: Record<string, string>,
  av: string,
  ac: string,
): PbxPresenceDecision {
  return Object.freeze({
    rule,
    activity: out.activity,
    note: renderNote(out.note, words, av, ac),
    cfb: out.cfb ?? "leave",
  });
}

/** A decision that diverts calls: a PBX activity is set and the rule asks for a busy destination. */
export function diverts(d: PbxPresenceDecision): boolean {
  return d.activity !== "" && d.cfb === "ensure";
}

export function teamsDecision(rule: string, out: TeamsOutputDoc): TeamsPresenceDecision {
  const p = parsePresenceOutput(out.presence);
  return Object.freeze({ rule, presence: p ? Object.freeze(p) : null });
}

/** Words table for one rule set: built-in words, overridden by the file's `words:` (case-insensitive keys). */
export function wordsFor(doc: RuleSetDoc): Record<string, string> {
  const words = { ...DEFAULT_WORDS };
  const canon = new Map(Object.keys(DEFAULT_WORDS).map((k) => [k.toLowerCase(), k]));
  for (const [k, v] of Object.entries(doc.words ?? {})) words[canon.get(k.toLowerCase()) ?? k] = v;
  return words;
}

export async function buildTables(
  doc: RuleSetDoc,
  teamsRules: CompiledRule<TeamsRuleDoc>[],
  pbxRules: CompiledRule<PbxRuleDoc>[],
): Promise<DecisionTables> {
  const words = wordsFor(doc);
  const teamsToPbx: TeamsCell[] = [];
  for (const av of TEAMS_DOMAIN.availability)
    for (const ac of TEAMS_DOMAIN.activity)
      for (const ooo of TEAMS_DOMAIN.outOfOffice) {
        const { winner } = await evaluate(teamsRules, teamsFacts(av, ac, ooo));
        const decision = winner
          ? pbxDecision(winner.name, winner.doc.then, words, av, ac)
          : pbxDecision("default", doc.teamsToPbx.default, words, av, ac);
        teamsToPbx.push({ availability: av, activity: ac, outOfOffice: ooo, decision });
      }
  const pbxToTeams: PbxCell[] = [];
  for (const cs of PBX_DOMAIN.callState)
    for (const pa of PBX_DOMAIN.activity) {
      const { winner } = await evaluate(pbxRules, pbxFacts(cs, pa));
      const decision = winner
        ? teamsDecision(winner.name, winner.doc.then)
        : teamsDecision("default", doc.pbxToTeams.default);
      pbxToTeams.push({ callState: cs, activity: pa, decision });
    }
  return { teamsToPbx, pbxToTeams };
}

/** Values already reported as unknown (bounded, so hostile input cannot grow it forever). */
const reportedUnknown = new Set<string>();
const MAX_REPORTED = 1000;

let muted = 0;

/** Run `fn` (synchronous) without reporting unknown values — embedded tests probe them on purpose. */
export function withUnknownReportsMuted<T>(fn: () => T): T {
  muted++;
  try {
    return fn();
  } finally {
    muted--;
  }
}

function reportUnknown(ruleSet: string, field: string, value: string): void {
  if (muted) return;
  const k = `${field}:${value.toLowerCase()}`;
  if (reportedUnknown.has(k) || reportedUnknown.size >= MAX_REPORTED) return;
  reportedUnknown.add(k);
  log.warn(
    { ruleSet, field, value },
    field === "pbxActivity"
      ? `undocumented PBX activity "${value}" — treated as "other"`
      : `unknown ${field} "${value}" — using the rule set's default`,
  );
}

/** Test hook: forget which unknown values were reported. */
export function resetUnknownReports(): void {
  reportedUnknown.clear();
}

export interface CompiledRuleSetInit {
  file: string;
  source: string;
  hash: string;
  revision: number;
  loadedAt: string;
  doc: RuleSetDoc;
  teamsRules: CompiledRule<TeamsRuleDoc>[];
  pbxRules: CompiledRule<PbxRuleDoc>[];
  tables: DecisionTables;
  warnings: RuleDiagnostic[];
  /** Fragments merged in and where every rule, test and the cfb block came from. */
  composition?: CompositionInfo;
}

function buildTeamsIndex(
  cells: TeamsCell[],
): Map<string, Map<string, readonly [PbxPresenceDecision, PbxPresenceDecision]>> {
  const index = new Map<string, Map<string, [PbxPresenceDecision, PbxPresenceDecision]>>();
  for (const c of cells) {
    for (const av of new Set([c.availability, c.availability.toLowerCase()])) {
      let byActivity = index.get(av);
      if (!byActivity) {
        byActivity = new Map();
        index.set(av, byActivity);
      }
      for (const ac of new Set([c.activity, c.activity.toLowerCase()])) {
        const pair =
          byActivity.get(ac) ??
          ([undefined, undefined] as unknown as [PbxPresenceDecision, PbxPresenceDecision]);
        pair[c.outOfOffice ? 1 : 0] = c.decision;
        byActivity.set(ac, pair);
      }
    }
  }
  return index;
}

/** A loaded, validated, self-tested rule set. Immutable; the registry publishes a new one per revision. */
export class CompiledRuleSet implements ActiveRuleSet {
  readonly id: string;
  readonly title: string;
  readonly description: string;
  readonly adapter: string;
  readonly revision: number;
  readonly hash: string;
  readonly loadedAt: string;
  readonly file: string;
  readonly source: string;
  readonly doc: RuleSetDoc;
  readonly cfb: CfbPolicy;
  readonly divertingCells: number;
  readonly teamsRules: readonly CompiledRule<TeamsRuleDoc>[];
  readonly pbxRules: readonly CompiledRule<PbxRuleDoc>[];
  readonly tables: DecisionTables;
  readonly warnings: readonly RuleDiagnostic[];
  readonly words: Readonly<Record<string, string>>;
  readonly composition: CompositionInfo | undefined;
  /** availability → activity → [not out of office, out of office]; keyed by canonical AND lower-case spelling. */
  private readonly teamsTable: Map<string, Map<string, readonly [PbxPresenceDecision, PbxPresenceDecision]>>;
  private readonly pbxTable: Map<string, TeamsPresenceDecision>;

  constructor(init: CompiledRuleSetInit) {
    this.id = init.doc.id;
    this.title = init.doc.title;
    this.description = init.doc.description;
    this.adapter = init.doc.adapter;
    this.revision = init.revision;
    this.hash = init.hash;
    this.loadedAt = init.loadedAt;
    this.file = init.file;
    this.source = init.source;
    this.doc = init.doc;
    this.cfb = Object.freeze({
      fallback: Object.freeze([...init.doc.cfb.fallback]),
      restore: init.doc.cfb.restore ?? true,
    });
    this.divertingCells = init.tables.teamsToPbx.filter((c) => diverts(c.decision)).length;
    this.teamsRules = init.teamsRules;
    this.pbxRules = init.pbxRules;
    this.tables = init.tables;
    this.warnings = init.warnings;
    this.words = wordsFor(init.doc);
    this.composition = init.composition;
    this.teamsTable = buildTeamsIndex(init.tables.teamsToPbx);
    this.pbxTable = new Map(init.tables.pbxToTeams.map((c) => [pbxKey(c.callState, c.activity), c.decision]));
  }

  /** Hot path: one Map lookup. Unknown availability/activity → default (reported once). */
  decideTeamsToPbx(teams: TeamsPresence): PbxPresenceDecision {
    // Exact (canonical) spelling first — what Graph sends — so the common case allocates nothing.
    const cell =
      this.teamsTable.get(teams.availability)?.get(teams.activity) ??
      this.teamsTable.get(teams.availability.toLowerCase())?.get(teams.activity.toLowerCase());
    if (cell) return cell[teams.outOfOffice ? 1 : 0];
    if (!TEAMS_DOMAIN.availability.some((v) => v.toLowerCase() === teams.availability.toLowerCase()))
      reportUnknown(this.id, "availability", teams.availability);
    else reportUnknown(this.id, "activity", teams.activity);
    return pbxDecision(
      "default",
      this.doc.teamsToPbx.default,
      this.words,
      teams.availability,
      teams.activity,
    );
  }

  /** Hot path: one Map lookup. An undocumented PBX activity counts as "other"; unknown call state → default. */
  decidePbxToTeams(pbx: PbxFacts): TeamsPresenceDecision {
    let activity = pbx.activity.toLowerCase();
    if (!PBX_ACTIVITY_SET.has(activity)) {
      reportUnknown(this.id, "pbxActivity", pbx.activity);
      activity = "other";
    }
    const hit = this.pbxTable.get(pbxKey(pbx.callState, activity));
    if (hit) return hit;
    reportUnknown(this.id, "callState", pbx.callState);
    return teamsDecision("default", this.doc.pbxToTeams.default);
  }
}
