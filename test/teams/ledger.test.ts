// The presence ledger's order by sequenceNumber: Graph documents it as "lexicographically sortable", but a
// counter that gains a digit ("9" → "10") must still count as newer — compared as numbers when both are
// digit strings — or every change after the rollover would be dropped as old.
import { describe, expect, it } from "vitest";
import { type ObservedPresence, PresenceLedger } from "../../connectors/teams/presence-reader.js";

const seen = (sequenceNumber: string | undefined, availability: string, activity = availability): ObservedPresence => ({
  userId: "u1",
  presence: { availability, activity, outOfOffice: false },
  sequenceNumber,
});

describe("PresenceLedger sequence order", () => {
  it('orders "9" before "10" and "99" before "100"', () => {
    const l = new PresenceLedger();
    expect(l.accept(seen("9", "Busy"))).toBe(true);
    expect(l.accept(seen("10", "Available"))).toBe(true);
    expect(l.accept(seen("9", "Busy"))).toBe(false); // older: a late delivery must not roll back
    expect(l.accept(seen("99", "Away"))).toBe(true);
    expect(l.accept(seen("100", "DoNotDisturb"))).toBe(true);
    expect(l.accept(seen("99", "Away"))).toBe(false);
  });

  it("ignores leading zeros when comparing digit strings", () => {
    const l = new PresenceLedger();
    expect(l.accept(seen("0000000000000009", "Busy"))).toBe(true);
    expect(l.accept(seen("10", "Available"))).toBe(true);
    expect(l.accept(seen("0000000000000009", "Busy"))).toBe(false);
  });

  it("compares other strings lexicographically and accepts anything without a number", () => {
    const l = new PresenceLedger();
    expect(l.accept(seen("b", "Busy"))).toBe(true);
    expect(l.accept(seen("a", "Away"))).toBe(false);
    expect(l.accept(seen(undefined, "Away"))).toBe(true);
  });
});
