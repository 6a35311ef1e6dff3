// Rules benchmark: the hot-path decision lookup (precomputed table, Map.get) against json-rules-engine
// run() on the same inputs — once on a fresh Engine per run (what explain does; the only safe way under
// concurrency) and once on a reused Engine (sequential only; shown for the engine's raw cost).
import { join } from "node:path";
import { Engine } from "json-rules-engine";
import { defaultRulesDir } from "../../common/paths.js";
import { TEAMS_ACTIVITIES, TEAMS_AVAILABILITIES, type TeamsPresence } from "../../engine/presence.js";
import { evaluate, teamsFacts } from "../../engine/rules/compile.js";
import { loadRuleSetFile } from "../../engine/rules/loader.js";
import type { BenchResult } from "./types.js";

const LOOKUP_ITERATIONS = 2_000_000;
const ENGINE_ITERATIONS = 3_000;

function nsPerOp(start: bigint, end: bigint, n: number): number {
  return Number(end - start) / n;
}

function values(ns: number, iterations: number): Record<string, number> {
  return { nsPerOp: Math.round(ns * 10) / 10, opsPerSec: Math.round(1e9 / ns), iterations };
}

export async function run(): Promise<BenchResult[]> {
  const loaded = await loadRuleSetFile(join(defaultRulesDir, "innovaphone-mirror.yaml"));
  if (!loaded.ok) throw new Error(`innovaphone-mirror did not load: ${loaded.errors[0]?.message}`);
  const rs = loaded.ruleSet;
  // The same 270 inputs for every variant, in the canonical spelling Graph sends.
  const inputs: TeamsPresence[] = [];
  for (const availability of TEAMS_AVAILABILITIES)
    for (const activity of TEAMS_ACTIVITIES)
      for (const outOfOffice of [false, true]) inputs.push({ availability, activity, outOfOffice });

  // Warm-up so the JIT has compiled both paths before measuring.
  let sink = 0;
  for (let i = 0; i < 200_000; i++) sink += rs.decideTeamsToPbx(inputs[i % inputs.length]!).activity.length;
  for (let i = 0; i < 300; i++)
    await evaluate(
      rs.teamsRules as never,
      teamsFacts(inputs[i % inputs.length]!.availability, inputs[i % inputs.length]!.activity, false),
    );

  let t0 = process.hrtime.bigint();
  for (let i = 0; i < LOOKUP_ITERATIONS; i++)
    sink += rs.decideTeamsToPbx(inputs[i % inputs.length]!).activity.length;
  let t1 = process.hrtime.bigint();
  const lookupNs = nsPerOp(t0, t1, LOOKUP_ITERATIONS);

  t0 = process.hrtime.bigint();
  for (let i = 0; i < ENGINE_ITERATIONS; i++) {
    const x = inputs[i % inputs.length]!;
    const e = await evaluate(rs.teamsRules as never, teamsFacts(x.availability, x.activity, x.outOfOffice));
    sink += e.winner ? 1 : 0;
  }
  t1 = process.hrtime.bigint();
  const freshNs = nsPerOp(t0, t1, ENGINE_ITERATIONS);

  const shared = new Engine(
    rs.teamsRules.map((r) => r.engineRule),
    { allowUndefinedFacts: true },
  );
  t0 = process.hrtime.bigint();
  for (let i = 0; i < ENGINE_ITERATIONS; i++) {
    const x = inputs[i % inputs.length]!;
    const r = await shared.run(
      teamsFacts(x.availability, x.activity, x.outOfOffice) as unknown as Record<string, unknown>,
    );
    sink += r.results.length;
  }
  t1 = process.hrtime.bigint();
  const sharedNs = nsPerOp(t0, t1, ENGINE_ITERATIONS);

  if (sink === -1) process.stderr.write("unreachable\n");
  const ratioFresh = Math.round(freshNs / lookupNs);
  const ratioShared = Math.round(sharedNs / lookupNs);
  return [
    {
      area: "rules",
      name: "decision lookup (table)",
      values: values(lookupNs, LOOKUP_ITERATIONS),
      note: `innovaphone-mirror, 270 Teams inputs round-robin; ${ratioFresh}× faster than a fresh-Engine run()`,
    },
    {
      area: "rules",
      name: "json-rules-engine run() (fresh Engine)",
      values: { ...values(freshNs, ENGINE_ITERATIONS), ratioVsLookup: ratioFresh },
      note: `same inputs, ${rs.teamsRules.length} rules; what explain and table building do`,
    },
    {
      area: "rules",
      name: "json-rules-engine run() (reused Engine)",
      values: { ...values(sharedNs, ENGINE_ITERATIONS), ratioVsLookup: ratioShared },
      note: "sequential only (a shared Engine is unsafe under concurrency)",
    },
  ];
}
