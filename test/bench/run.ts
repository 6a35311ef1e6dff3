// `npm run bench`: runs every area's benchmark (test/bench/<area>.ts exporting run()), prints a readable table
// and writes machine-readable JSON (bench-results.json, and stdout with --json). Benchmarks, not timed tests:
// they report numbers, they do not fail on targets.
import { writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import type { BenchResult } from "./types.js";

const areas = ["ws-reference", "rules", "innovaphone", "teams", "hub", "cluster"];

async function main(): Promise<void> {
  // The hub and the simulators run in this process: keep their info logs out of the table (set LOG_LEVEL to see them).
  process.env.LOG_LEVEL ??= "warn";
  const only = process.argv.slice(2).filter((a) => !a.startsWith("--"));
  const results: BenchResult[] = [];
  for (const area of areas) {
    if (only.length && !only.includes(area)) continue;
    let mod: { run?: () => Promise<BenchResult[]> };
    try {
      mod = await import(`./${area}.js`);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ERR_MODULE_NOT_FOUND") continue;
      throw e;
    }
    if (!mod.run) continue;
    process.stderr.write(`bench: ${area} …\n`);
    results.push(...(await mod.run()));
  }
  const machine = {
    node: process.version,
    cpu: cpus()[0]?.model ?? "unknown",
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    at: new Date().toISOString(),
  };
  const rows = results.map((r) => [
    r.area,
    r.name,
    Object.entries(r.values)
      .map(([k, v]) => `${k}=${Number.isInteger(v) ? v : v.toPrecision(4)}`)
      .join(" "),
    r.note ?? "",
  ]);
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((row) => row[i].length), 4));
  process.stdout.write(`\nPresence Hub benchmarks — ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}\n\n`);
  for (const row of rows) {
    process.stdout.write(`${row[0].padEnd(widths[0])}  ${row[1].padEnd(widths[1])}  ${row[2].padEnd(widths[2])}  ${row[3]}\n`);
  }
  const json = JSON.stringify({ machine, results }, null, 2);
  writeFileSync("bench-results.json", `${json}\n`);
  if (process.argv.includes("--json")) process.stdout.write(`${json}\n`);
  else process.stdout.write("\nJSON written to bench-results.json (use --json to print it)\n");
}

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exitCode = 1;
});
