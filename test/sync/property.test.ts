// Property: for any interleaving of Teams presence changes, PBX calls, the user's own PBX presence, PBX
// outages and failing writes on both sides, once the PBX calls end the state converges to exactly what the
// rule set decides from the latest facts; nothing is stuck, no session or CFB entry is left behind.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { PbxCallState } from "../../engine/presence.js";
import { harness, SHIPPED_TYPES, settle, shippedRules } from "./harness.js";

const TEAMS_STATES: [string, string, boolean][] = [
  ["Available", "Available", false],
  ["Busy", "InACall", false],
  ["Busy", "InAConferenceCall", false],
  ["Busy", "InAMeeting", false],
  ["DoNotDisturb", "Presenting", false],
  ["DoNotDisturb", "DoNotDisturb", false],
  ["Away", "Away", false],
  ["BeRightBack", "BeRightBack", false],
  ["Offline", "OffWork", false],
  ["Available", "Available", true],
  ["Busy", "Busy", false],
];
const CALL_STATES: PbxCallState[] = ["idle", "alerting", "connected", "held"];
const PBX_ACTIVITIES = ["", "away", "busy", "dnd", "lunch"];

type Op =
  | { k: "teams"; u: number; s: number }
  | { k: "call"; u: number; s: number }
  | { k: "own"; u: number; a: number }
  | { k: "pbxDown" }
  | { k: "pbxUp" }
  | { k: "teamsDown" }
  | { k: "teamsUp" }
  | { k: "enable"; u: number; on: boolean }
  | { k: "failPbx"; n: number }
  | { k: "failTeams"; n: number }
  | { k: "wait"; ms: number };

const USERS = 2;
const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      k: fc.constant("teams" as const),
      u: fc.nat(USERS - 1),
      s: fc.nat(TEAMS_STATES.length - 1),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      k: fc.constant("call" as const),
      u: fc.nat(USERS - 1),
      s: fc.nat(CALL_STATES.length - 1),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      k: fc.constant("own" as const),
      u: fc.nat(USERS - 1),
      a: fc.nat(PBX_ACTIVITIES.length - 1),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ k: "pbxDown" as const }) },
  { weight: 1, arbitrary: fc.constant({ k: "pbxUp" as const }) },
  { weight: 1, arbitrary: fc.constant({ k: "teamsDown" as const }) },
  { weight: 1, arbitrary: fc.constant({ k: "teamsUp" as const }) },
  {
    weight: 1,
    arbitrary: fc.record({ k: fc.constant("enable" as const), u: fc.nat(USERS - 1), on: fc.boolean() }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ k: fc.constant("failPbx" as const), n: fc.integer({ min: 1, max: 3 }) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ k: fc.constant("failTeams" as const), n: fc.integer({ min: 1, max: 3 }) }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ k: fc.constant("wait" as const), ms: fc.integer({ min: 0, max: 15 }) }),
  },
);

describe.each(SHIPPED_TYPES)("property: random event sequences converge (%s)", (type) => {
  it("final state equals the rule set's decision from the latest facts; nothing stuck", async () => {
    const rs = (await shippedRules()).get(type)!;
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 40 }), async (ops) => {
        const h = await harness({ type, users: USERS });
        h.pbx.jitterMs = 3;
        h.teams.jitterMs = 3;
        try {
          for (const op of ops) {
            switch (op.k) {
              case "teams": {
                const [a, b, ooo] = TEAMS_STATES[op.s];
                h.teams.userSet(`t${op.u + 1}`, a, b, ooo);
                break;
              }
              case "call":
                h.pbx.call(`g${op.u + 1}`, CALL_STATES[op.s]);
                break;
              case "own":
                h.pbx.userSetPresence(`g${op.u + 1}`, PBX_ACTIVITIES[op.a]);
                break;
              case "pbxDown":
                if (h.pbx.status().state === "online") h.pbx.goOffline();
                break;
              case "pbxUp":
                if (h.pbx.status().state !== "online") h.pbx.goOnline();
                break;
              case "teamsDown":
                if (h.teams.status().state === "online") h.teams.goOffline();
                break;
              case "teamsUp":
                if (h.teams.status().state !== "online") h.teams.start();
                break;
              case "enable":
                h.core.upsertEndpoint({
                  id: `e${op.u + 1}`,
                  connectorId: "c1",
                  pbxGuid: `g${op.u + 1}`,
                  teamsUserId: `t${op.u + 1}`,
                  enabled: op.on,
                });
                break;
              case "failPbx":
                h.pbx.failWrites = op.n;
                break;
              case "failTeams":
                h.teams.failWrites = op.n;
                break;
              case "wait":
                await new Promise((r) => setTimeout(r, op.ms));
                break;
            }
          }
          // The PBX side goes quiet: calls end, own presence cleared, connection back.
          if (h.pbx.status().state !== "online") h.pbx.goOnline();
          if (h.teams.status().state !== "online") h.teams.start();
          for (let u = 1; u <= USERS; u++) {
            h.core.upsertEndpoint({
              id: `e${u}`,
              connectorId: "c1",
              pbxGuid: `g${u}`,
              teamsUserId: `t${u}`,
              enabled: true,
            });
          }
          for (let u = 1; u <= USERS; u++) {
            h.pbx.call(`g${u}`, "idle");
            h.pbx.userSetPresence(`g${u}`, "");
          }
          await settle(h, 80);
          await new Promise((r) => setTimeout(r, 80)); // echo grace window of the last cleared sessions
          await settle(h, 80);

          for (let u = 1; u <= USERS; u++) {
            const own = h.teams.client.get(`t${u}`) ?? {
              availability: "Available",
              activity: "Available",
              outOfOffice: false,
            };
            const d = rs.decideTeamsToPbx(own);
            expect(h.pbx.hubSlot(`g${u}`)?.activity ?? "", `user ${u} PBX slot`).toBe(d.activity);
            const wantCfb = d.cfb === "ensure" && d.activity !== "";
            expect(h.pbx.usersByGuid.get(`g${u}`)!.cfb, `user ${u} CFB`).toEqual(
              wantCfb ? [{ e164: "200" }] : [],
            );
            expect(h.teams.sessions.has(`t${u}`), `user ${u} Teams session`).toBe(false);
            const snap = h.core.snapshot(`e${u}`)!;
            expect(snap.pbxPending || snap.teamsPending, `user ${u} pending`).toBe(false);
          }
          expect(h.core.stats()).toMatchObject({ pending: 0, failing: 0 });
        } finally {
          h.core.close();
        }
      }),
      { numRuns: Number(process.env.PROPERTY_RUNS ?? 20), endOnFailure: true },
    );
  }, 120_000);
});
