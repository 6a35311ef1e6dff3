// A save the file watcher never reports is still served: chokidar can drop the change event of a write that
// lands a few ms after the previous one, after the registry already reloaded for that one (seen with a short
// debounce and two quick saves). The registry looks at the files once more after each burst.
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { defaultRulesDir } from "../../common/paths.js";
import { RuleRegistry } from "../../engine/rules/registry.js";

let dir: string;
let registry: RuleRegistry;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "ph-settle-"));
  await cp(defaultRulesDir, dir, { recursive: true });
  registry = new RuleRegistry({ debounceMs: 10 });
  await registry.watch(dir);
});

afterAll(async () => {
  await registry.close();
  await rm(dir, { recursive: true, force: true });
});

it("serves the last of several quick saves", async () => {
  const file = join(dir, "innovaphone-dnd.yaml");
  const base = await readFile(file, "utf8");
  const save = (n: number) => writeFile(file, base.replace(/^title: .*$/m, `title: save ${n}`));
  for (let n = 1; n <= 30; n++) {
    await save(n);
    await new Promise((r) => setTimeout(r, 15 + (n % 3) * 10));
  }
  const deadline = Date.now() + 3000;
  while (registry.get("innovaphone-dnd")?.title !== "save 30" && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 20));
  expect(registry.get("innovaphone-dnd")?.title).toBe("save 30");
});
