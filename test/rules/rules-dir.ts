// Test helpers for rule composition: a temp rules directory (set files + fragments/) written from strings
// or copied from the shipped rules/, and a poll-until helper for watcher tests.
import { cp, mkdir, mkdtemp, rm, unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { defaultRulesDir } from "../../common/paths.js";

export interface RulesDir {
  dir: string;
  /** Absolute path of `name` (e.g. "s.yaml", "fragments/a.yaml"). */
  path(name: string): string;
  write(name: string, text: string): Promise<void>;
  remove(name: string): Promise<void>;
  cleanup(): Promise<void>;
}

export async function tempRules(files: Record<string, string> = {}, copyShipped = false): Promise<RulesDir> {
  const dir = await mkdtemp(join(tmpdir(), "ph-compose-"));
  if (copyShipped) await cp(defaultRulesDir, dir, { recursive: true });
  const rd: RulesDir = {
    dir,
    path: (name) => join(dir, name),
    async write(name, text) {
      await mkdir(dirname(join(dir, name)), { recursive: true });
      await writeFile(join(dir, name), text);
    },
    remove: (name) => unlink(join(dir, name)),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
  for (const [name, text] of Object.entries(files)) await rd.write(name, text);
  return rd;
}

/** Poll until `check` passes or `ms` elapse. */
export async function within(ms: number, check: () => boolean | Promise<boolean>): Promise<void> {
  const start = Date.now();
  for (;;) {
    if (await check()) return;
    if (Date.now() - start > ms) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
