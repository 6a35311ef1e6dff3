// CLI command `rules`: `rules check [dir|file]` validates rule sets exactly as the hub loads them, and
// every fragment in <dir>/fragments/ on its own (exit 0 when every file loads and its embedded tests
// pass, else 1 with `file:line:column message` lines), and `rules explain` shows which rule decides an
// input and why the rules before it did not match.
import { readdir, stat } from "node:fs/promises";
import { basename, dirname, join, relative, resolve } from "node:path";
import { errorMessage } from "../../../common/errors.js";
import { defaultRulesDir } from "../../../common/paths.js";
import { formatDiagnostic, type RuleDiagnostic } from "../../../engine/rules/diagnostics.js";
import {
  type DirectionExplanation,
  type ExplainInput,
  explainRuleSet,
} from "../../../engine/rules/explain.js";
import { checkFragmentFile } from "../../../engine/rules/fragment-check.js";
import { FRAGMENTS_DIR, isFragmentFile } from "../../../engine/rules/fragments.js";
import { idFromFile, loadRuleSetFile } from "../../../engine/rules/loader.js";
import type { PbxPresenceDecision, TeamsPresenceDecision } from "../../../engine/rules/types.js";
import { parseCommandLine } from "../../../common/cli-args.js";
import type { Command } from "../command.js";

const USAGE = `Usage:
  presence-hub rules check [dir|file]
      Load every rule set (*.yaml) like the hub does and run its embedded tests; check every
      fragment in <dir>/fragments/ too. A file in a fragments/ folder is checked as a fragment.
      Exit 0 when all pass; otherwise print file:line:column message lines and exit 1.
  presence-hub rules explain --type ID [--dir D] [--json]
      [--availability A --activity B [--out-of-office]]   Teams → PBX
      [--pbx-call STATE [--pbx-activity X]]                PBX → Teams (STATE: idle|alerting|connected|held)
      [--user-cfb DEST] [--default-destination N] [--no-admin]
                                                          one user's CFB facts (else: with and without own)
      Show the winning rule and why each rule tried before it did not match.
`;

type Out = { out: (s: string) => void; err: (s: string) => void };
const stdio: Out = { out: (s) => process.stdout.write(`${s}\n`), err: (s) => process.stderr.write(`${s}\n`) };

function shown(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel && !rel.startsWith("..") ? rel : file;
}

function line(d: RuleDiagnostic): string {
  return formatDiagnostic(
    { ...d, message: d.severity === "warning" ? `warning: ${d.message}` : d.message },
    shown,
  );
}

async function yamlFiles(dir: string): Promise<string[]> {
  return (await readdir(dir))
    .filter((n) => isFragmentFile(n))
    .sort()
    .map((n) => join(dir, n));
}

/** Rule sets and fragments to check for a directory (its fragments/ folder too) or a single file. */
async function targets(path: string): Promise<{ sets: string[]; fragments: string[] }> {
  if ((await stat(path)).isDirectory()) {
    const fragments = await yamlFiles(join(path, FRAGMENTS_DIR)).catch(() => [] as string[]);
    return { sets: await yamlFiles(path), fragments };
  }
  return basename(dirname(path)) === FRAGMENTS_DIR
    ? { sets: [], fragments: [path] }
    : { sets: [path], fragments: [] };
}

export async function rulesCheck(target: string, io: Out = stdio): Promise<number> {
  const path = resolve(target);
  let sets: string[];
  let fragments: string[];
  try {
    ({ sets, fragments } = await targets(path));
  } catch (e) {
    io.err(`${shown(path)}:1:1 cannot read: ${errorMessage(e)}`);
    return 1;
  }
  if (sets.length + fragments.length === 0) {
    io.err(`${shown(path)}:1:1 no rule sets (*.yaml) found`);
    return 1;
  }
  // A broken fragment fails every set using it (reported there with "pulled in by"); its own check below
  // does not print the same positions again.
  const printed = new Set<string>();
  const key = (d: RuleDiagnostic) => `${d.file}:${d.line}:${d.column} ${d.message}`;
  const usedBy = new Map<string, string[]>();
  let failed = 0;
  for (const f of sets) {
    const r = await loadRuleSetFile(f);
    for (const name of r.fragments) usedBy.set(name, [...(usedBy.get(name) ?? []), idFromFile(f)]);
    if (r.ok) {
      for (const w of r.warnings) io.out(line(w));
      io.out(`ok   ${shown(f)} (${r.ruleSet.id}: ${r.ruleSet.doc.tests.length} tests passed)`);
    } else {
      failed++;
      for (const d of [...r.errors, ...r.warnings]) {
        printed.add(key(d));
        io.err(line(d));
      }
      io.err(`FAIL ${shown(f)}`);
    }
  }
  let failedFragments = 0;
  for (const f of fragments) {
    const r = await checkFragmentFile(f);
    const users = usedBy.get(idFromFile(f));
    const use = users ? `extended by ${users.join(", ")}` : "not extended by any rule set checked";
    if (r.ok) {
      for (const w of r.warnings) io.out(line(w));
      io.out(`ok   ${shown(f)} (fragment, ${r.tests} tests; ${use})`);
    } else {
      failedFragments++;
      for (const d of [...r.errors, ...r.warnings]) if (!printed.has(key(d))) io.err(line(d));
      io.err(`FAIL ${shown(f)}`);
    }
  }
  io.out(summary(sets.length, failed, fragments.length, failedFragments));
  return failed + failedFragments ? 1 : 0;
}

function summary(sets: number, failed: number, fragments: number, failedFragments: number): string {
  const part = (n: number, bad: number, what: string) =>
    bad ? `${bad} of ${n} ${what} failed` : `${n} ${what} ok`;
  const parts: string[] = [];
  if (sets || !fragments) parts.push(part(sets, failed, "rule set(s)"));
  if (fragments) parts.push(part(fragments, failedFragments, "fragment(s)"));
  return parts.join(", ");
}

function fmtPbx(d: PbxPresenceDecision): string {
  return `activity ${JSON.stringify(d.activity)}${d.activity === "" ? " (clear)" : ""}, note ${JSON.stringify(d.note)}, cfb ${d.cfb}`;
}
function fmtTeams(d: TeamsPresenceDecision): string {
  return d.presence
    ? `${d.presence.availability}/${d.presence.activity}`
    : "clear (end the hub's Teams session)";
}

function printDirection<D>(io: Out, title: string, e: DirectionExplanation<D>, fmt: (d: D) => string): void {
  io.out(`${title}  input ${JSON.stringify(e.input)}`);
  for (const u of e.unknownValues) io.out(`  note: unknown ${u.field} ${JSON.stringify(u.value)}`);
  for (const r of e.higherPriorityFailures)
    io.out(`  ✗ ${r.rule} (priority ${r.priority}): ${r.reasons.join("; ") || "not evaluated"}`);
  io.out(`  → ${e.winner}: ${fmt(e.decision)}`);
  if (!e.consistent) io.out(`  ! live table says ${fmt(e.tableDecision)}`);
  if (e.cfb?.cases.length) {
    io.out(`  CFB (${e.cfb.policy}):`);
    for (const c of e.cfb.cases) io.out(`    ${c.user}: ${c.text}`);
  }
}

export async function rulesExplain(args: string[], io: Out = stdio): Promise<number> {
  const cli = parseCommandLine(
    args,
    {
      usage: USAGE,
      options: {
        type: { type: "string" },
        dir: { type: "string" },
        availability: { type: "string" },
        activity: { type: "string" },
        "out-of-office": { type: "boolean", default: false },
        "pbx-call": { type: "string" },
        "pbx-activity": { type: "string" },
        "user-cfb": { type: "string" },
        "default-destination": { type: "string" },
        "no-admin": { type: "boolean", default: false },
        json: { type: "boolean", default: false },
      },
    },
    { out: (t) => io.out(t.trimEnd()), err: (t) => io.err(t.trimEnd()) },
  );
  if (cli.exit !== undefined) return cli.exit;
  const { values } = cli;
  if (!values.type) {
    io.err(`--type is required\n\n${USAGE}`);
    return 2;
  }
  const input: ExplainInput = {};
  if (values.availability !== undefined || values.activity !== undefined) {
    if (values.availability === undefined || values.activity === undefined) {
      io.err("--availability and --activity go together");
      return 2;
    }
    input.teams = {
      availability: values.availability,
      activity: values.activity,
      outOfOffice: values["out-of-office"],
    };
  }
  if (values["user-cfb"] !== undefined || values["default-destination"] !== undefined || values["no-admin"])
    input.cfb = {
      userCfb: values["user-cfb"] ?? "",
      defaultDestination: values["default-destination"] ?? "",
      adminAccess: !values["no-admin"],
    };
  if (values["pbx-call"] !== undefined || values["pbx-activity"] !== undefined)
    input.pbx = { callState: values["pbx-call"] ?? "idle", activity: values["pbx-activity"] ?? "" };
  if (!input.teams && !input.pbx) {
    io.err(`give a Teams input (--availability, --activity) and/or a PBX input (--pbx-call)\n\n${USAGE}`);
    return 2;
  }
  const file = join(resolve(values.dir ?? defaultRulesDir), `${values.type}.yaml`);
  const r = await loadRuleSetFile(file);
  if (!r.ok) {
    for (const d of r.errors) io.err(line(d));
    return 1;
  }
  const e = await explainRuleSet(r.ruleSet, input);
  if (values.json) {
    io.out(JSON.stringify(e, null, 2));
    return 0;
  }
  io.out(`${e.id} from ${shown(file)} (sha256 ${e.hash.slice(0, 12)})`);
  if (e.teamsToPbx) printDirection(io, "Teams → PBX", e.teamsToPbx, fmtPbx);
  if (e.pbxToTeams) printDirection(io, "PBX → Teams", e.pbxToTeams, fmtTeams);
  return 0;
}

export const rulesCommand: Command = {
  name: "rules",
  summary: "Check rule sets (rules check [dir]) or explain a decision (rules explain)",
  async run(args: string[]): Promise<number> {
    const [sub, ...rest] = args;
    if (sub === "check") {
      if (rest.includes("--help") || rest.includes("-h")) {
        process.stdout.write(USAGE);
        return 0;
      }
      return rulesCheck(rest[0] ?? defaultRulesDir);
    }
    if (sub === "explain") return rulesExplain(rest);
    process.stdout.write(USAGE);
    return sub === undefined || sub === "--help" || sub === "-h" ? 0 : 2;
  },
};
