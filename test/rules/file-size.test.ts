// Rule files are bounded (issue 12, outside review): a huge file is refused before it is read — the loader
// parses synchronously, and a 120 MB file once blocked the event loop for 30 s and took 3.2 GB — while the
// last good revision keeps running.
import { cp, mkdtemp, rm, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultRulesDir } from "../../common/paths.js";
import { loadRuleSetFile } from "../../engine/rules/loader.js";
import { RuleRegistry } from "../../engine/rules/registry.js";
import { MAX_RULE_FILE_BYTES } from "../../engine/rules/rule-file.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "ph-rules-size-"));
  await cp(defaultRulesDir, dir, { recursive: true });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Worst delay of a 5 ms timer while `fn` runs: how long the event loop was held. */
async function maxLag(fn: () => Promise<unknown>): Promise<number> {
  let worst = 0;
  let last = Date.now();
  const t = setInterval(() => {
    const now = Date.now();
    worst = Math.max(worst, now - last - 5);
    last = now;
  }, 5);
  await fn();
  await new Promise((r) => setTimeout(r, 20));
  clearInterval(t);
  return worst;
}

describe("rule file size bound", () => {
  it("refuses a 64 MiB file before reading it, without holding the event loop", async () => {
    const file = join(dir, "huge.yaml");
    await writeFile(file, "");
    await truncate(file, 64 * 1024 * 1024);
    let result: Awaited<ReturnType<typeof loadRuleSetFile>> | undefined;
    const lag = await maxLag(async () => {
      result = await loadRuleSetFile(file);
    });
    expect(result).toMatchObject({ ok: false });
    const err = result && !result.ok ? result.errors[0] : undefined;
    expect(err).toMatchObject({ code: "RULES_FILE_TOO_LARGE", line: 1, column: 1 });
    expect(err?.message).toMatch(/64\.0 MiB; rule sets and fragments are limited to 1 MiB/);
    expect(lag).toBeLessThan(100);
    await rm(file);
  });

  it("keeps serving the last good revision when a set or a fragment grows past the bound", async () => {
    const registry = new RuleRegistry({ debounceMs: 20 });
    await registry.load(dir);
    const before = registry.get("innovaphone-dnd")?.revision;
    const big = `# ${"x".repeat(MAX_RULE_FILE_BYTES)}\n`;
    await writeFile(join(dir, "fragments", "pbx-call-dnd.yaml"), big);
    const results = await registry.reloadAll();
    expect(results.find((r) => r.id === "innovaphone-dnd")).toMatchObject({ ok: false });
    expect(registry.status("innovaphone-dnd")?.lastError?.message).toMatch(/limited to 1 MiB/);
    expect(registry.get("innovaphone-dnd")?.revision).toBe(before);
    await registry.close();
  });
});
