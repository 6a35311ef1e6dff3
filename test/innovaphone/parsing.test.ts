// Pure parsing: cds in both shapes, tristates, replication rows, RCC state integers and msg fallbacks.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  cfbEntries,
  detectCdsShape,
  encodeCfb,
  sameCfb,
  toCfbEntry,
  tristate,
} from "../../connectors/innovaphone/cds.js";
import {
  aggregateCallState,
  callStateFromMsg,
  callStateFromNumber,
} from "../../connectors/innovaphone/rcc.js";
import { rowToUser } from "../../connectors/innovaphone/replication.js";
import { parseCd } from "../../connectors/innovaphone/simulator/wire.js";

describe("cds parsing", () => {
  it("reads the flat replication shape (real capture)", () => {
    const cds = [
      {
        type: "cfu",
        bool: "my_new_boolean",
        e164: "111233",
        h323: "sdsdsd",
        src: '<src type="do"><ep e164="1"/></src>',
        precedence: true,
      },
      {
        type: "cfb",
        bool: "Business hours",
        "bool-not": true,
        e164: "4444",
        h323: "ffff",
        src: '<src type="dont"></src>',
      },
      { type: "cfnr", h323: "44444444", precedence: true },
    ];
    expect(detectCdsShape(cds)).toBe("flat");
    expect(cfbEntries(cds)).toEqual([
      { e164: "4444", h323: "ffff", bool: "Business hours", boolNot: true, filtered: true },
    ]);
  });

  it("reads the nested admin shape", () => {
    const cds = [
      { type: "cfb", ep: [{ e164: "200", h323: "voicemail" }] },
      { type: "cfb", "bool-not": "false", ep: [{ e164: "300" }], src: [{ type: "do", ep: [{ e164: "0" }] }] },
    ];
    expect(detectCdsShape(cds)).toBe("admin");
    expect(cfbEntries(cds)).toEqual([
      { e164: "200", h323: "voicemail" },
      { e164: "300", filtered: true },
    ]);
  });

  it("encodes a new entry in either shape and round-trips it through the simulator's parser", () => {
    expect(encodeCfb({ e164: "200" }, "admin")).toEqual({ type: "cfb", ep: [{ e164: "200" }] });
    expect(encodeCfb({ h323: "vm" }, "flat")).toEqual({ type: "cfb", h323: "vm" });
    fc.assert(
      fc.property(
        fc.stringMatching(/^[0-9]{1,12}$/),
        fc.constantFrom("admin" as const, "flat" as const),
        (num, shape) => {
          const raw = encodeCfb({ e164: num }, shape);
          const back = parseCd(raw)!;
          return sameCfb(toCfbEntry(raw), { e164: num }) && back.e164 === num && back.type === "cfb";
        },
      ),
    );
  });

  it("never treats an entry with a Boolean, filter or precedence as the same as a plain one", () => {
    const plain = { e164: "200" };
    expect(sameCfb(plain, { e164: "200", bool: "x" })).toBe(false);
    expect(sameCfb(plain, { e164: "200", filtered: true })).toBe(false);
    expect(sameCfb(plain, { e164: "200", precedence: true })).toBe(false);
    expect(sameCfb(plain, { e164: "200" })).toBe(true);
  });

  it("decodes tristates liberally", () => {
    expect([true, false, "true", "false", "on", "off", 1, 0, -1, undefined, "x"].map(tristate)).toEqual([
      true,
      false,
      true,
      false,
      true,
      false,
      true,
      false,
      null,
      null,
      null,
    ]);
  });

  it("turns a replication row into a PbxUser (own cfpr beats the template's)", () => {
    expect(
      rowToUser({
        guid: "g",
        h323: "a",
        cn: "A",
        emails: [{ email: "a@x" }],
        cfpr: false,
        "t-cfpr": true,
        cds: [],
      }),
    ).toMatchObject({ guid: "g", emails: ["a@x"], cfpr: false, cfb: [] });
    expect(rowToUser({ guid: "g", "t-cfpr": "true" })?.cfpr).toBe(true);
    expect(rowToUser({ guid: "g" })?.cfpr).toBeNull();
    expect(rowToUser({ h323: "noguid" })).toBeUndefined();
  });
});

describe("RCC call state", () => {
  it("maps the state integer (phase nibble + hold flags)", () => {
    expect(callStateFromNumber(1)).toBe("alerting");
    expect(callStateFromNumber(4 + 128)).toBe("alerting");
    expect(callStateFromNumber(5)).toBe("connected");
    expect(callStateFromNumber(261)).toBe("held");
    expect(callStateFromNumber(5 + 512)).toBe("held");
    expect(callStateFromNumber(7)).toBe("idle");
    expect(callStateFromNumber(8)).toBe("held");
  });
  it("falls back to msg when CallUpdate has no state", () => {
    expect(callStateFromMsg("r-conn", "alerting")).toBe("connected");
    expect(callStateFromMsg("x-alert", "idle")).toBe("alerting");
    expect(callStateFromMsg("x-hold", "connected")).toBe("held");
    expect(callStateFromMsg("x-retrieve", "held")).toBe("connected");
    expect(callStateFromMsg("r-disc", "connected")).toBe("idle");
    expect(callStateFromMsg("update", "held")).toBe("held");
  });
  it("aggregates a user's calls: connected > held > alerting > idle", () => {
    expect(aggregateCallState([])).toBe("idle");
    expect(aggregateCallState(["alerting", "held"])).toBe("held");
    expect(aggregateCallState(["held", "connected", "alerting"])).toBe("connected");
  });
});
