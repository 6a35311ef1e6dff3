// The Info view and the rules API of a composed rule set: resolved rules with the file (set or fragment
// + line) each rule, test and the cfb block came from; file names relative to the rules directory, never
// a server path (also in the error banners).
import { readFile, unlink } from "node:fs/promises";
import Fastify, { type FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RuleRegistry } from "../../engine/rules/registry.js";
import { connectorTypesRoutes } from "../../server/routes/connector-types.js";
import { infoRoutes } from "../../server/routes/info.js";
import { type RulesDir, tempRules } from "./rules-dir.js";

let rd: RulesDir;
let registry: RuleRegistry;
let app: FastifyInstance;

const info = async (id: string) => (await app.inject({ method: "GET", url: `/info/${id}` })).body;

beforeAll(async () => {
  rd = await tempRules({}, true);
  registry = new RuleRegistry();
  await registry.load(rd.dir);
  app = Fastify();
  await app.register(connectorTypesRoutes, { registry });
  await app.register(infoRoutes, { registry });
  await app.ready();
});

afterAll(async () => {
  await app?.close();
  await registry?.close();
  await rd?.cleanup();
});

describe("Info view of a composed rule set", () => {
  it("shows the fragments and where each rule, test and the cfb block came from", async () => {
    const set = await readFile(rd.path("innovaphone-dnd.yaml"), "utf8");
    const meetingLine = set.split("\n").findIndex((l) => l.includes("name: teams-meeting")) + 1;
    const html = await info("innovaphone-dnd");
    expect(html).toContain("Composed from");
    expect(html).toMatch(/<code>teams-calls-dnd<\/code> \(fragments\/teams-calls-dnd\.yaml\)/);
    // A fragment rule, the set's own rule, a fragment test, the cfb block.
    expect(html).toMatch(/fragment <code>teams-calls-dnd<\/code> \(fragments\/teams-calls-dnd\.yaml:\d+\)/);
    expect(html).toContain(`<code>innovaphone-dnd.yaml:${meetingLine}</code>`);
    expect(html).toMatch(/teams call diverts PBX calls<\/td>.*?fragment <code>teams-calls-dnd<\/code>/s);
    expect(html).toMatch(
      /Policy from fragment <code>cfb-default<\/code> \(fragments\/cfb-default\.yaml:\d+\)/,
    );
    expect(html).toContain("Source: <code>innovaphone-dnd.yaml</code>");
    expect(html).not.toContain(rd.dir);
  });

  it("error banners name files relative to the rules directory", async () => {
    const good = await readFile(rd.path("fragments/pbx-call-busy.yaml"), "utf8");
    await rd.write("fragments/pbx-call-busy.yaml", good.replace("Busy/InACall", "Busy/Nope"));
    await registry.reloadAll();
    const html = await info("innovaphone-mirror");
    expect(html).toContain("The rule file on disk is invalid");
    expect(html).toMatch(
      /fragments\/pbx-call-busy\.yaml:\d+:\d+ .* \(pulled in by innovaphone-mirror\.yaml:\d+:\d+\)/,
    );
    expect(html).not.toContain(rd.dir);
    await rd.write("fragments/pbx-call-busy.yaml", good);
    await unlink(rd.path("innovaphone-mirror.yaml"));
    await registry.reloadAll();
    const gone = await info("innovaphone-mirror");
    expect(gone).toContain("The rule file was deleted</strong> (<code>innovaphone-mirror.yaml</code>)");
    expect(gone).not.toContain(rd.dir);
  });
});

describe("rules API of a composed rule set", () => {
  it("returns the resolved rules with an origin per rule, test and the cfb block", async () => {
    const res = await app.inject({ method: "GET", url: "/api/connector-types/innovaphone-calls-only/rules" });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.rules.teamsToPbx.rules.map((r: { name: string }) => r.name)).toEqual([
      "teams-call",
      "teams-presenting",
      "calendar-meeting",
    ]);
    const o = body.composition.origins;
    expect(body.composition.extend).toEqual(["teams-calls-busy", "pbx-call-busy", "cfb-default"]);
    expect(o.teamsToPbx).toHaveLength(3);
    expect(o.teamsToPbx[0]).toMatchObject({
      file: "fragments/teams-calls-busy.yaml",
      fragment: "teams-calls-busy",
    });
    expect(o.teamsToPbx[2]).toMatchObject({ file: "innovaphone-calls-only.yaml" });
    expect(o.teamsToPbx[2].fragment).toBeUndefined();
    expect(o.pbxToTeams[0]).toMatchObject({ fragment: "pbx-call-busy" });
    expect(o.cfb).toMatchObject({ file: "fragments/cfb-default.yaml", fragment: "cfb-default" });
    expect(o.tests).toHaveLength(body.rules.tests.length);
    expect(typeof o.tests[0].line).toBe("number");
    expect(body.fragments).toEqual(["teams-calls-busy", "pbx-call-busy", "cfb-default"]);
    const list = (await app.inject({ method: "GET", url: "/api/connector-types" })).json() as {
      id: string;
      fragments: string[];
    }[];
    expect(list.find((t) => t.id === "innovaphone-dnd")?.fragments).toContain("pbx-call-dnd");
  });
});
