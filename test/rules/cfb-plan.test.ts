// The CFB planner (engine/rules/cfb.ts): every fallback chain and restore setting, as a pure function of
// the policy, whether the decision diverts, and the user's facts.
import { describe, expect, it } from "vitest";
import { type CfbPolicy, describeCfbPlan, planCfb } from "../../engine/rules/cfb.js";
import { normalizeHubSet } from "../../engine/sync/hub-set.js";

const both: CfbPolicy = { fallback: ["userCfb", "connectorDefault"], restore: true };
const userOnly: CfbPolicy = { fallback: ["userCfb"], restore: true };
const defaultOnly: CfbPolicy = { fallback: ["connectorDefault"], restore: true };
const facts = (own: string[] | null, defaultDestination = "200", cfbWritable = true) => ({
  userEntries: own ? own.map((e164) => ({ e164 })) : null,
  defaultDestination,
  cfbWritable,
});

describe("planCfb", () => {
  it("nothing diverts: no entry, and restore says what happens to one the hub holds", () => {
    expect(planCfb(both, false, facts([]))).toMatchObject({ divert: false, entry: null, restore: true });
    expect(planCfb({ ...both, restore: false }, false, facts([]))).toMatchObject({ entry: null, restore: false });
  });

  it("[userCfb, connectorDefault]: the user's own entry first, else a plain entry to the default", () => {
    expect(planCfb(both, true, facts(["300"]))).toMatchObject({ destination: "300", source: "userCfb", entry: null });
    expect(planCfb(both, true, facts([]))).toMatchObject({
      destination: "200",
      source: "connectorDefault",
      entry: { e164: "200" },
    });
    expect(planCfb(both, true, facts([])).entry?.precedence).toBeUndefined();
    expect(planCfb(both, true, facts([], ""))).toMatchObject({ destination: null, gap: "NO_CFB_DESTINATION" });
    expect(planCfb(both, true, facts([], "200", false))).toMatchObject({ entry: null, gap: "CFB_FALLBACK_UNAVAILABLE" });
  });

  it("[userCfb]: a user without an own entry gets no entry, whatever the connector's default", () => {
    expect(planCfb(userOnly, true, facts(["300"]))).toMatchObject({ destination: "300", source: "userCfb" });
    expect(planCfb(userOnly, true, facts([]))).toMatchObject({
      destination: null,
      entry: null,
      gap: "NO_CFB_DESTINATION",
    });
  });

  it("[connectorDefault]: every diverted call goes to the default, by an entry that takes precedence", () => {
    const p = planCfb(defaultOnly, true, facts(["300"]));
    expect(p).toMatchObject({ destination: "200", source: "connectorDefault", entry: { e164: "200", precedence: true } });
    expect(describeCfbPlan(p)).toMatch(/calls to 200 .*default destination.*precedence/);
    expect(planCfb(defaultOnly, true, facts([], ""))).toMatchObject({ gap: "NO_CFB_DESTINATION" });
  });

  it("the do-not-forward marker '-' is no destination; h323 names are", () => {
    expect(planCfb(both, true, facts(["-"]))).toMatchObject({ source: "connectorDefault" });
    expect(planCfb(both, true, facts([], "voicemail")).entry).toEqual({ h323: "voicemail" });
  });

  it("an unknown user (not replicated yet) gets no entry until the PBX reports them", () => {
    expect(planCfb(both, true, facts(null))).toMatchObject({ divert: true, entry: null, gap: null });
  });
});

describe("normalizeHubSet", () => {
  it("reads rows persisted before the planner (intent as a destination, no retired entries)", () => {
    const old = { cfbIntent: { destination: "200", before: [] } } as never;
    expect(normalizeHubSet(old)).toMatchObject({ cfbIntent: { entry: { e164: "200" }, before: [] }, cfbRetired: [] });
  });
});
