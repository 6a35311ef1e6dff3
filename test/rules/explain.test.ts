// explain: the winning rule and, for every rule tried before it, why it failed — over the registry and
// over HTTP; concurrent explains stay correct because every run gets a fresh Engine.
import Fastify from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isHubError } from "../../common/errors.js";
import { defaultRulesDir } from "../../common/paths.js";
import { RuleRegistry } from "../../engine/rules/registry.js";
import { TEAMS_ACTIVITIES, TEAMS_AVAILABILITIES } from "../../engine/presence.js";
import { connectorTypesRoutes } from "../../server/routes/connector-types.js";
import { infoRoutes } from "../../server/routes/info.js";

const registry = new RuleRegistry();
beforeAll(async () => {
  await registry.load(defaultRulesDir);
});
afterAll(() => registry.close());

describe("RuleRegistry.explain", () => {
  it("names the winner and why each higher-priority rule failed", async () => {
    const e = await registry.explain("innovaphone-mirror", {
      teams: { availability: "Busy", activity: "Busy", outOfOffice: true },
    });
    const t = e.teamsToPbx!;
    expect(t.winner).toBe("out-of-office");
    expect(t.decision).toEqual({
      rule: "out-of-office",
      activity: "away",
      note: "Out of office",
      cfb: "leave",
    });
    expect(t.consistent).toBe(true);
    expect(t.higherPriorityFailures.map((r) => r.rule)).toEqual(["on-the-phone", "dnd", "meeting"]);
    expect(t.higherPriorityFailures[0]!.reasons).toEqual([
      'activity is "Busy", not one of InACall, InAConferenceCall, Presenting',
    ]);
    expect(t.higherPriorityFailures[2]!.reasons).toEqual(['activity is "Busy", not "InAMeeting"']);
    // Lower-priority rules that also match are listed in `rules`, not as failures.
    expect(t.rules.find((r) => r.rule === "busy")!.matched).toBe(true);
  });

  it("explains the default and unknown values", async () => {
    const e = await registry.explain("innovaphone-dnd", {
      teams: { availability: "Busy", activity: "Focusing" },
    });
    expect(e.teamsToPbx!.winner).toBe("default");
    expect(e.teamsToPbx!.unknownValues).toEqual([{ field: "activity", value: "Focusing" }]);
    expect(e.teamsToPbx!.decision.activity).toBe("");
    expect(e.teamsToPbx!.consistent).toBe(true);
  });

  it("an unknown value beats a rule whose own conditions match, and says so", async () => {
    const e = await registry.explain("innovaphone-mirror", {
      teams: { availability: "Busy", activity: "Focusing", outOfOffice: true },
    });
    const t = e.teamsToPbx!;
    expect(t.winner).toBe("default");
    expect(t.consistent).toBe(true);
    const ooo = t.higherPriorityFailures.find((r) => r.rule === "out-of-office")!;
    expect(ooo.reasons).toEqual(['unknown activity "Focusing" always falls to the default']);
  });

  it("explains PBX → Teams, with undocumented PBX activities as other", async () => {
    const e = await registry.explain("innovaphone-mirror", { pbx: { callState: "idle", activity: "Lunch" } });
    expect(e.pbxToTeams!.winner).toBe("pbx-away");
    expect(e.pbxToTeams!.higherPriorityFailures.map((r) => [r.rule, r.reasons])).toEqual([
      ["pbx-call", ['callState is "idle", not one of connected, held']],
      ["pbx-dnd", ['PBX activity is "lunch", not "dnd"']],
    ]);
    const other = await registry.explain("innovaphone-mirror", {
      pbx: { callState: "idle", activity: "gardening" },
    });
    expect(other.pbxToTeams!.unknownValues).toEqual([{ field: "activity", value: "gardening" }]);
    expect(other.pbxToTeams!.decision.presence).toBeNull();
  });

  it("throws RULES_UNKNOWN_TYPE for an unknown id", async () => {
    const err = await registry
      .explain("nope", { teams: { availability: "Busy", activity: "InACall" } })
      .catch((e: unknown) => e);
    expect(isHubError(err, "RULES_UNKNOWN_TYPE")).toBe(true);
  });

  it("stays correct under concurrent explains (fresh Engine per run) and agrees with the table", async () => {
    const inputs = TEAMS_AVAILABILITIES.flatMap((availability) =>
      TEAMS_ACTIVITIES.map((activity) => ({ availability, activity, outOfOffice: false })),
    );
    const results = await Promise.all(
      inputs.map((teams) => registry.explain("innovaphone-mirror", { teams })),
    );
    const rs = registry.get("innovaphone-mirror")!;
    results.forEach((e, i) => {
      expect(e.teamsToPbx!.consistent).toBe(true);
      expect(e.teamsToPbx!.decision).toEqual(rs.decideTeamsToPbx(inputs[i]!));
    });
  });
});

describe("HTTP", () => {
  const app = Fastify();
  beforeAll(async () => {
    await app.register(connectorTypesRoutes, { registry });
    await app.register(infoRoutes, { registry });
    await app.ready();
  });
  afterAll(() => app.close());

  it("POST /api/connector-types/:id/explain", async () => {
    const res = await app.inject({
      method: "POST",
      url: "/api/connector-types/innovaphone-dnd/explain",
      payload: { teams: { availability: "Busy", activity: "InAMeeting" }, pbx: { callState: "connected" } },
    });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.teamsToPbx.winner).toBe("teams-meeting");
    expect(body.teamsToPbx.higherPriorityFailures).toHaveLength(2);
    expect(body.pbxToTeams.decision).toEqual({
      rule: "pbx-call",
      presence: { availability: "DoNotDisturb", activity: "Presenting" },
    });
  });

  it("validates the explain body and the id", async () => {
    expect(
      (await app.inject({ method: "POST", url: "/api/connector-types/innovaphone-dnd/explain", payload: {} }))
        .statusCode,
    ).toBe(400);
    expect(
      (
        await app.inject({
          method: "POST",
          url: "/api/connector-types/innovaphone-dnd/explain",
          payload: { teams: { availability: "Busy" } },
        })
      ).statusCode,
    ).toBe(400);
    const res = await app.inject({
      method: "POST",
      url: "/api/connector-types/nope/explain",
      payload: { pbx: { callState: "idle" } },
    });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ code: "RULES_UNKNOWN_TYPE" });
    expect((await app.inject({ method: "GET", url: "/api/connector-types/Bad%20Id/rules" })).statusCode).toBe(
      400,
    );
  });

  it("GET /api/connector-types/:id/rules returns table, source, status", async () => {
    const res = await app.inject({ method: "GET", url: "/api/connector-types/innovaphone-calls-only/rules" });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({
      id: "innovaphone-calls-only",
      adapter: "innovaphone",
      revision: 1,
      status: "ok",
      lastError: null,
    });
    expect(body.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(body.table.teamsToPbx).toHaveLength(270);
    expect(body.table.pbxToTeams).toHaveLength(36);
    expect(body.rules.teamsToPbx.rules[0].name).toBe("teams-call");
    expect(body.cfb).toEqual({ fallback: ["userCfb", "connectorDefault"], restore: true });
    expect(body.source).toMatch(/^# yaml-language-server/);
  });

  it("GET /info/:id is a self-contained, escaped HTML page", async () => {
    const res = await app.inject({ method: "GET", url: "/info/innovaphone-dnd" });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toMatch(/^text\/html/);
    expect(res.body).toMatch(/^<!doctype html>/);
    expect(res.body).not.toMatch(/<script|https?:\/\//);
    expect(res.body).toContain("Call Forward Busy policy");
    expect(res.body).toContain('class="dnd ensure"');
    expect(res.body).not.toContain('role="alert"');
    const missing = await app.inject({ method: "GET", url: "/info/%3Cscript%3E" });
    expect(missing.statusCode).toBe(404);
    expect(missing.body).toContain("&lt;script&gt;");
    expect(missing.body).not.toContain("<script>");
  });
});
