// Reading a rule-set or fragment file with a size bound. The loader parses synchronously (yaml), so an
// unbounded file would block the event loop and memory for as long as it takes (a 120 MB file: 30 s and
// 3.2 GB); real rule sets are a few KB. A file over the bound is refused before it is read.
import { readFile, stat } from "node:fs/promises";
import { HubError } from "../../common/errors.js";

/** Largest rule-set or fragment file the hub reads (the shipped ones are ≈ 5 KB). */
export const MAX_RULE_FILE_BYTES = 1024 * 1024;

export async function readRuleFile(file: string): Promise<string> {
  const { size } = await stat(file);
  if (size > MAX_RULE_FILE_BYTES) throw tooLarge(size);
  return readFile(file, "utf8");
}

export function tooLarge(bytes: number): HubError {
  return new HubError(
    "RULES_FILE_TOO_LARGE",
    `file is ${(bytes / 1024 / 1024).toFixed(1)} MiB; rule sets and fragments are limited to ${MAX_RULE_FILE_BYTES / 1024 / 1024} MiB`,
  );
}

/** Let timers, sockets and requests run between the synchronous stages of a load. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
