// Locates the package root at run time, so the same code works from sources (tsx/vitest) and from dist/,
// and reads what the package itself says about it (its version).
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

function findRoot(start: string): string {
  let dir = start;
  for (;;) {
    if (existsSync(join(dir, "package.json")) && existsSync(join(dir, "rules"))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`presence-hub package root not found above ${start}`);
    dir = parent;
  }
}

/** Absolute path of the installed package (where package.json and rules/ live). */
export const packageRoot = findRoot(dirname(fileURLToPath(import.meta.url)));

export const defaultRulesDir = join(packageRoot, "rules");
export const uiDir = join(packageRoot, "server", "ui");

/** The version in the installed package.json (what `presence-hub --version` and the health endpoint report). */
export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(join(packageRoot, "package.json"), "utf8")) as { version?: string };
  return pkg.version ?? "0.0.0";
}
