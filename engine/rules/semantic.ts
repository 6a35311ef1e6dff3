// Semantic checks that JSON Schema cannot express: id = file name, unique rule names, known condition
// values, note templates, coverage of every input combination, shadowed rules, and well-formed tests.
// Uses a plain JS matcher over the finite domain (the engine-built table is cross-checked later).
// Runs on the composed document (set + fragments); diagnostics land in the file each entry came from.
import { PBX_ACTIVITIES, SET_PRESENCE_PAIRS, TEAMS_ACTIVITIES, TEAMS_AVAILABILITIES } from "../presence.js";
import type { RuleDiagnostic } from "./diagnostics.js";
import {
  asList,
  DEFAULT_WORDS,
  NOTE_VARIABLES,
  PBX_DOMAIN,
  type PbxRuleDoc,
  type RuleSetDoc,
  TEAMS_DOMAIN,
  type TeamsRuleDoc,
  type ValueList,
} from "./document.js";
import { type DiagnosticSource, diagAt, type PathSegment, positionOf } from "./yaml-source.js";

const PRESENCE_OUTPUTS = [...SET_PRESENCE_PAIRS.map((p) => `${p.availability}/${p.activity}`), "clear"];

/**
 * `expectedId` checks a whole rule set; `null` checks a fragment on its own (`rules check` of a fragment
 * no set uses): only what can be judged without a set — names, values, notes, words, test shapes.
 */
export function checkSemantics(
  src: DiagnosticSource,
  doc: RuleSetDoc,
  expectedId: string | null,
): RuleDiagnostic[] {
  const out: RuleDiagnostic[] = [];
  const err = (path: PathSegment[], msg: string, key = false) =>
    out.push(diagAt(src, path, msg, "RULES_SEMANTIC", { key }));
  const wholeSet = expectedId !== null;

  if (wholeSet) {
    if (doc.id !== expectedId) err(["id"], `id "${doc.id}" must equal the file name "${expectedId}"`);
    // Optional in the schema because a fragment may supply them; the composed set still needs both.
    if (!(doc as Partial<RuleSetDoc>).cfb)
      err(
        [],
        `the rule set is missing required property "cfb" (write one, or extend a fragment that has one)`,
      );
    if (doc.tests.length === 0)
      err([], `the rule set has no tests (add "tests:", or extend a fragment that has tests)`);
  }

  // Unique rule names across the whole file: tests and explanations refer to rules by name.
  const names = new Map<string, PathSegment[]>();
  const allRules: [PathSegment[], { name: string }][] = [
    ...doc.teamsToPbx.rules.map(
      (r, i) => [["teamsToPbx", "rules", i], r] as [PathSegment[], { name: string }],
    ),
    ...doc.pbxToTeams.rules.map(
      (r, i) => [["pbxToTeams", "rules", i], r] as [PathSegment[], { name: string }],
    ),
  ];
  for (const [path, r] of allRules) {
    const key = r.name.toLowerCase();
    if (key === "default") err([...path, "name"], `rule name "default" is reserved for the default`);
    const first = names.get(key);
    if (first) {
      // Name both places; with fragments they may be in different files.
      const a = positionOf(src, [...first, "name"]);
      const b = positionOf(src, [...path, "name"]);
      const where = a.name === b.name ? `line ${a.line}` : `${a.name}:${a.line}`;
      err([...path, "name"], `duplicate rule name "${r.name}" (first used at ${where})`);
    } else names.set(key, path);
  }

  // Condition values (case-insensitive) must come from the documented domains.
  doc.teamsToPbx.rules.forEach((r, i) => {
    checkValues(
      ["teamsToPbx", "rules", i, "when", "availability"],
      r.when.availability,
      TEAMS_AVAILABILITIES,
      "Teams availability",
      err,
    );
    checkValues(
      ["teamsToPbx", "rules", i, "when", "activity"],
      r.when.activity,
      TEAMS_ACTIVITIES,
      "Teams activity",
      err,
    );
    checkNote(["teamsToPbx", "rules", i, "then", "note"], r.then.note, err);
  });
  if (doc.teamsToPbx.default) checkNote(["teamsToPbx", "default", "note"], doc.teamsToPbx.default.note, err);
  doc.pbxToTeams.rules.forEach((r, i) => {
    checkValues(
      ["pbxToTeams", "rules", i, "when", "callState"],
      r.when.callState,
      PBX_DOMAIN.callState,
      "PBX call state",
      err,
    );
    checkValues(
      ["pbxToTeams", "rules", i, "when", "activity"],
      r.when.activity,
      PBX_DOMAIN.activity,
      "PBX activity",
      err,
    );
  });
  for (const k of Object.keys(doc.words ?? {})) {
    if (!DEFAULT_WORDS[canonical(k, Object.keys(DEFAULT_WORDS)) ?? ""])
      err(["words", k], `words: "${k}" is not a Teams availability or activity`, true);
  }

  if (wholeSet) checkCoverage(src, doc, out);

  // Embedded tests must be well-formed before they can run.
  const ruleNames = new Set([...names.keys(), "default"]);
  doc.tests.forEach((t, i) => {
    const p: PathSegment[] = ["tests", i];
    if ((t.teams ? 1 : 0) + (t.pbx ? 1 : 0) !== 1) {
      err(p, `test "${t.name}" needs exactly one input: teams or pbx`);
      return;
    }
    const e = t.expect;
    if (t.teams) {
      if (e.presence !== undefined)
        err(
          [...p, "expect", "presence"],
          `test "${t.name}": presence is a PBX → Teams output; a teams test expects activity, note, cfb or rule`,
          true,
        );
      if (e.activity !== undefined && !(PBX_ACTIVITIES as readonly string[]).includes(e.activity))
        err(
          [...p, "expect", "activity"],
          `test "${t.name}": "${e.activity}" is not an innovaphone activity (${PBX_ACTIVITIES.map((v) => JSON.stringify(v)).join(", ")})`,
        );
    } else {
      for (const k of ["activity", "note", "cfb"] as const)
        if (e[k] !== undefined)
          err(
            [...p, "expect", k],
            `test "${t.name}": ${k} is a Teams → PBX output; a pbx test expects presence or rule`,
            true,
          );
      if (e.presence !== undefined && !PRESENCE_OUTPUTS.includes(e.presence))
        err(
          [...p, "expect", "presence"],
          `test "${t.name}": presence must be one of ${PRESENCE_OUTPUTS.join(", ")}`,
        );
    }
    // A lone fragment's test may name a rule of the set that extends it: only judged in a whole set.
    if (wholeSet && e.rule !== undefined && !ruleNames.has(e.rule.toLowerCase()))
      err([...p, "expect", "rule"], `test "${t.name}": there is no rule named "${e.rule}"`);
  });
  return out;
}

/** Coverage and shadowing over the finite domains (whole rule sets only). */
function checkCoverage(src: DiagnosticSource, doc: RuleSetDoc, out: RuleDiagnostic[]): void {
  const teamsCells: [string, string, boolean][] = [];
  for (const av of TEAMS_DOMAIN.availability)
    for (const ac of TEAMS_DOMAIN.activity)
      for (const ooo of TEAMS_DOMAIN.outOfOffice) teamsCells.push([av, ac, ooo]);
  coverage(
    src,
    out,
    "teamsToPbx",
    doc.teamsToPbx.rules,
    doc.teamsToPbx.default !== undefined,
    teamsCells,
    (r, [av, ac, ooo]) => matchesTeams(r as TeamsRuleDoc, av, ac, ooo),
    ([av, ac, ooo]) => `availability ${av}, activity ${ac}, outOfOffice ${ooo}`,
    "Teams",
  );
  const pbxCells: [string, string][] = [];
  for (const cs of PBX_DOMAIN.callState) for (const pa of PBX_DOMAIN.activity) pbxCells.push([cs, pa]);
  coverage(
    src,
    out,
    "pbxToTeams",
    doc.pbxToTeams.rules,
    doc.pbxToTeams.default !== undefined,
    pbxCells,
    (r, [cs, pa]) => matchesPbx(r as PbxRuleDoc, cs, pa),
    ([cs, pa]) => `callState ${cs}, activity ${pa === "" ? '""' : pa}`,
    "PBX",
  );
}

function coverage<R extends { name: string }, C>(
  src: DiagnosticSource,
  out: RuleDiagnostic[],
  dir: "teamsToPbx" | "pbxToTeams",
  rules: (R & { priority?: number })[],
  hasDefault: boolean,
  cells: C[],
  match: (r: R, cell: C) => boolean,
  show: (cell: C) => string,
  side: string,
): void {
  const order = rules
    .map((r, index) => ({ r, index }))
    .sort((a, b) => (b.r.priority ?? 0) - (a.r.priority ?? 0) || a.index - b.index);
  const wins = new Map<number, number>();
  const matched = new Map<number, number>();
  const winnersOver = new Map<number, Set<string>>();
  const uncovered: C[] = [];
  for (const cell of cells) {
    let winner: { r: R; index: number } | undefined;
    for (const o of order) {
      if (!match(o.r, cell)) continue;
      matched.set(o.index, (matched.get(o.index) ?? 0) + 1);
      if (!winner) {
        winner = o;
        wins.set(o.index, (wins.get(o.index) ?? 0) + 1);
      } else {
        let s = winnersOver.get(o.index);
        if (!s) {
          s = new Set();
          winnersOver.set(o.index, s);
        }
        s.add(winner.r.name);
      }
    }
    if (!winner) uncovered.push(cell);
  }
  if (!hasDefault) {
    if (uncovered.length > 0) {
      out.push(
        diagAt(
          src,
          [dir],
          `uncovered combination: ${uncovered.length} ${side} input(s) reach no rule and there is no default, e.g. ${show(uncovered[0]!)}; add a "default:"`,
          "RULES_SEMANTIC",
          { key: true },
        ),
      );
    } else {
      out.push(
        diagAt(src, [dir], `a "default:" is required: unknown ${side} values fall to it`, "RULES_SEMANTIC", {
          key: true,
        }),
      );
    }
  }
  rules.forEach((r, index) => {
    if (wins.get(index)) return;
    const path: PathSegment[] = [dir, "rules", index, "name"];
    const msg = matched.get(index)
      ? `rule "${r.name}" is shadowed: every input it matches is decided earlier by ${[...(winnersOver.get(index) ?? [])].map((n) => `"${n}"`).join(", ")}`
      : `rule "${r.name}" matches no input`;
    out.push(diagAt(src, path, msg, "RULES_SEMANTIC", { severity: "warning" }));
  });
}

export function matchesTeams(r: TeamsRuleDoc, av: string, ac: string, ooo: boolean): boolean {
  return (
    inList(r.when.availability, av) &&
    inList(r.when.activity, ac) &&
    (r.when.outOfOffice === undefined || r.when.outOfOffice === ooo)
  );
}

export function matchesPbx(r: PbxRuleDoc, cs: string, pa: string): boolean {
  return inList(r.when.callState, cs) && inList(r.when.activity, pa);
}

function inList(list: ValueList | undefined, value: string): boolean {
  const l = asList(list);
  if (!l) return true;
  const v = value.toLowerCase();
  return l.some((x) => x.toLowerCase() === v);
}

function canonical(value: string, domain: readonly string[]): string | undefined {
  const v = value.toLowerCase();
  return domain.find((d) => d.toLowerCase() === v);
}

function checkValues(
  path: PathSegment[],
  list: ValueList | undefined,
  domain: readonly string[],
  what: string,
  err: (path: PathSegment[], msg: string) => void,
): void {
  const l = asList(list);
  if (!l) return;
  l.forEach((v, i) => {
    if (canonical(v, domain) !== undefined) return;
    const hint = closest(v, domain);
    err(
      Array.isArray(list) ? [...path, i] : path,
      `unknown ${what} "${v}"${hint ? ` (did you mean "${hint}"?)` : ""}; allowed: ${domain.map((d) => (d === "" ? '""' : d)).join(", ")}`,
    );
  });
}

function checkNote(
  path: PathSegment[],
  note: string | undefined,
  err: (path: PathSegment[], msg: string) => void,
): void {
  if (!note) return;
  for (const m of note.matchAll(/\{\{\s*([^}]*?)\s*\}\}/g)) {
    if (!(NOTE_VARIABLES as readonly string[]).includes(m[1]!))
      err(
        path,
        `unknown template variable {{${m[1]}}} in note (known: ${NOTE_VARIABLES.map((v) => `{{${v}}}`).join(", ")})`,
      );
  }
}

/** Nearest domain value by edit distance (for "did you mean"), if reasonably close. */
export function closest(value: string, domain: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Number.POSITIVE_INFINITY;
  for (const d of domain) {
    const dist = levenshtein(value.toLowerCase(), d.toLowerCase());
    if (dist < bestD) {
      bestD = dist;
      best = d;
    }
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(value.length / 3)) ? best : undefined;
}

function levenshtein(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}
