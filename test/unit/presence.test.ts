// Value sets and canonicalization of Teams presence tokens (case-insensitive, unknown kept as undefined).
import { describe, expect, it } from "vitest";
import {
  canonicalActivity,
  canonicalAvailability,
  isSetPresencePair,
  TEAMS_ACTIVITIES,
  TEAMS_AVAILABILITIES,
} from "../../engine/presence.js";

describe("presence vocabulary", () => {
  it("has all 9 availabilities and 15 activities", () => {
    expect(TEAMS_AVAILABILITIES).toHaveLength(9);
    expect(TEAMS_ACTIVITIES).toHaveLength(15);
  });

  it("canonicalizes case-insensitively and rejects unknown tokens", () => {
    expect(canonicalAvailability("donotdisturb")).toBe("DoNotDisturb");
    expect(canonicalActivity("INACALL")).toBe("InACall");
    expect(canonicalActivity("Focusing")).toBeUndefined();
  });

  it("accepts only the five setPresence pairs", () => {
    expect(isSetPresencePair({ availability: "DoNotDisturb", activity: "Presenting" })).toBe(true);
    expect(isSetPresencePair({ availability: "Busy", activity: "Busy" })).toBe(false);
  });
});
