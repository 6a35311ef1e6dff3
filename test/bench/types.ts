// Shape of one benchmark measurement; every test/bench/<area>.ts exports `run(): Promise<BenchResult[]>`
// and test/bench/run.ts prints them as a table and as JSON.
export interface BenchResult {
  /** e.g. "rules", "innovaphone", "teams", "hub". */
  area: string;
  /** What was measured, e.g. "decision lookup". */
  name: string;
  /** The measured number(s), named, e.g. { opsPerSec: 1.2e6, p50Us: 0.4 }. */
  values: Record<string, number>;
  /** One short sentence for the table (conditions, ratio). */
  note?: string;
}
