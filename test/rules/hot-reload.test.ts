// Hot reload end to end: a bare fastify instance with the rules plugins serves a temp copy of rules/
// while the test edits files on disk (valid change, invalid change, fix, burst, delete, new file).
import { cp, mkdtemp, readFile, rm, unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Fastify, { type FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultRulesDir } from "../../common/paths.js";
import { RuleRegistry } from "../../engine/rules/registry.js";
import { connectorTypesRoutes } from "../../server/routes/connector-types.js";
import { infoRoutes } from "../../server/routes/info.js";

let dir: string;
let registry: RuleRegistry;
let app: FastifyInstance;
const swaps: string[] = [];

async function rules(id: string) {
  const res = await app.inject({ method: "GET", url: `/api/connector-types/${id}/rules` });
  return { status: res.statusCode, body: res.json() };
}

/** Poll until `check` passes or `ms` elapse; returns the elapsed time. */
async function within(ms: number, check: () => Promise<boolean>): Promise<number> {
  const start = Date.now();
  for (;;) {
    if (await check()) return Date.now() - start;
    if (Date.now() - start > ms) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "ph-rules-"));
  await cp(defaultRulesDir, dir, { recursive: true });
  registry = new RuleRegistry({ debounceMs: 200 });
  await registry.watch(dir);
  registry.onSwap((id) => swaps.push(id));
  app = Fastify();
  await app.register(connectorTypesRoutes, { registry });
  await app.register(infoRoutes, { registry });
  await app.ready();
});

afterAll(async () => {
  await app?.close();
  await registry?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("hot reload through the HTTP routes", () => {
  const file = () => join(dir, "innovaphone-dnd.yaml");

  it("lists the three types", async () => {
    const res = await app.inject({ method: "GET", url: "/api/connector-types" });
    expect(res.statusCode).toBe(200);
    const list = res.json() as { id: string; revision: number; status: string; title: string }[];
    expect(list.map((t) => t.id)).toEqual([
      "innovaphone-calls-only",
      "innovaphone-dnd",
      "innovaphone-mirror",
    ]);
    for (const t of list) expect(t).toMatchObject({ revision: 1, status: "ok" });
  });

  it("serves a valid change within 1 s", async () => {
    const src = await readFile(file(), "utf8");
    await writeFile(file(), src.replaceAll('note: "Do not disturb (Teams)"', 'note: "DND in Teams"'));
    const elapsed = await within(1000, async () => (await rules("innovaphone-dnd")).body.revision === 2);
    expect(elapsed).toBeLessThan(1000);
    const { body } = await rules("innovaphone-dnd");
    expect(body.source).toContain("DND in Teams");
    expect(body.lastError).toBeNull();
    const cell = body.table.teamsToPbx.find(
      (c: { availability: string; activity: string }) =>
        c.availability === "DoNotDisturb" && c.activity === "DoNotDisturb",
    );
    expect(cell.decision.note).toBe("DND in Teams");
  });

  it("keeps serving the previous rules on an invalid change and reports file:line:column", async () => {
    const good = await readFile(file(), "utf8");
    const lines = good.split("\n");
    const idx = lines.findIndex((l) => l.includes("activity: dnd"));
    lines[idx] = lines[idx]!.replace("activity: dnd", "activity: do-not-disturb");
    await writeFile(file(), lines.join("\n"));
    await within(1000, async () => (await rules("innovaphone-dnd")).body.lastError !== null);
    const { body } = await rules("innovaphone-dnd");
    expect(body.revision).toBe(2);
    expect(body.status).toBe("invalid");
    expect(body.source).toBe(good);
    expect(body.lastError.line).toBe(idx + 1);
    expect(body.lastError.column).toBe(lines[idx]!.indexOf("do-not-disturb") + 1);
    expect(body.lastError.formatted).toBe(
      `${file()}:${idx + 1}:${lines[idx]!.indexOf("do-not-disturb") + 1} ${body.lastError.message}`,
    );
    expect(
      registry
        .get("innovaphone-dnd")!
        .decideTeamsToPbx({ availability: "Busy", activity: "InACall", outOfOffice: false }).activity,
    ).toBe("dnd");
    // The Info page shows the banner with the position.
    const info = await app.inject({ method: "GET", url: "/info/innovaphone-dnd" });
    expect(info.statusCode).toBe(200);
    expect(info.body).toContain("The rule file on disk is invalid");
    expect(info.body).toContain(`:${idx + 1}:${lines[idx]!.indexOf("do-not-disturb") + 1} `);

    // Fixing the file recovers (new revision, error cleared).
    await writeFile(file(), good.replaceAll('note: "DND in Teams"', 'note: "DND in Teams (fixed)"'));
    await within(1000, async () => (await rules("innovaphone-dnd")).body.revision === 3);
    const fixed = await rules("innovaphone-dnd");
    expect(fixed.body).toMatchObject({ status: "ok", lastError: null });
  });

  it("turns a burst of 20 quick writes into exactly one swap", async () => {
    await registry.idle();
    const before = swaps.length;
    const base = await readFile(file(), "utf8");
    for (let i = 1; i <= 20; i++) {
      await writeFile(file(), base.replaceAll(/note: "DND in Teams[^"]*"/g, `note: "DND, write ${i}"`));
    }
    await within(1500, async () => swaps.length > before);
    await new Promise((r) => setTimeout(r, 400));
    await registry.idle();
    expect(swaps.length - before).toBe(1);
    const { body } = await rules("innovaphone-dnd");
    expect(body.revision).toBe(4);
    expect(body.source).toContain("DND, write 20");
  });

  it("keeps the last good rules when the file is deleted and reports it missing", async () => {
    await unlink(join(dir, "innovaphone-mirror.yaml"));
    await within(1000, async () => (await rules("innovaphone-mirror")).body.fileMissing === true);
    const { status, body } = await rules("innovaphone-mirror");
    expect(status).toBe(200);
    expect(body).toMatchObject({ status: "missing", revision: 1, fileMissing: true });
    expect(registry.get("innovaphone-mirror")).toBeDefined();
    const info = await app.inject({ method: "GET", url: "/info/innovaphone-mirror" });
    expect(info.body).toContain("The rule file was deleted");
  });

  it("adds a type when a new file appears", async () => {
    const src = (await readFile(join(defaultRulesDir, "innovaphone-calls-only.yaml"), "utf8"))
      .replace("id: innovaphone-calls-only", "id: innovaphone-fourth")
      .replace(/^title: .*$/m, "title: A fourth type");
    await writeFile(join(dir, "innovaphone-fourth.yaml"), src);
    await within(1000, async () => {
      const res = await app.inject({ method: "GET", url: "/api/connector-types" });
      return (res.json() as { id: string }[]).some((t) => t.id === "innovaphone-fourth");
    });
    const res = await app.inject({ method: "GET", url: "/api/connector-types" });
    expect(
      (res.json() as { id: string; title: string }[]).find((t) => t.id === "innovaphone-fourth"),
    ).toMatchObject({
      title: "A fourth type",
      revision: 1,
      status: "ok",
    });
    const info = await app.inject({ method: "GET", url: "/info/innovaphone-fourth" });
    expect(info.statusCode).toBe(200);
    expect(info.body).toContain("A fourth type");
  });

  it("lists a new invalid file as an inactive type with its error", async () => {
    await writeFile(
      join(dir, "innovaphone-broken.yaml"),
      "# yaml-language-server: $schema=./schema.json\nid: innovaphone-broken\ntitle: [\n",
    );
    await within(1000, async () => registry.status("innovaphone-broken") !== undefined);
    const res = await app.inject({ method: "GET", url: "/api/connector-types" });
    const t = (res.json() as { id: string }[]).find((x) => x.id === "innovaphone-broken");
    expect(t).toMatchObject({ revision: 0, status: "invalid", active: false });
    expect((t as unknown as { lastError: { formatted: string } }).lastError.formatted).toMatch(
      /innovaphone-broken\.yaml:\d+:\d+ YAML syntax error/,
    );
    const r = await rules("innovaphone-broken");
    expect(r.status).toBe(404);
    expect(r.body.message).toMatch(/has no valid version yet: .*innovaphone-broken\.yaml:\d+:\d+/);
    const info = await app.inject({ method: "GET", url: "/info/innovaphone-broken" });
    expect(info.statusCode).toBe(200);
    expect(info.body).toContain("No version of this type is active.");
  });
});
