// A read and a notification that cross (the notification arrives while the read is under way): with sequence
// numbers on both, the newer wins whichever arrives last — a read that is newer than the notification must
// not be dropped (the user's last change would stay unseen until the next full read); without them, a read
// sent before the notification is older than it.
import { describe, expect, it } from "vitest";
import { PresenceLedger, type ObservedPresence } from "../../connectors/teams/presence-reader.js";
import { PresenceReads } from "../../connectors/teams/presence-reads.js";

const busy = { availability: "Busy", activity: "InACall", outOfOffice: false } as const;
const available = { availability: "Available", activity: "Available", outOfOffice: false } as const;

function setup() {
  const ledger = new PresenceLedger();
  const shown: string[] = [];
  let answer: (list: ObservedPresence[]) => void = () => undefined;
  const reads = new PresenceReads({
    read: () => new Promise<ObservedPresence[]>((r) => (answer = r)),
    watched: () => true,
    accept: (p) => {
      if (ledger.accept(p)) shown.push(p.presence.activity);
    },
    active: () => true,
  });
  return { reads, shown, answer: (list: ObservedPresence[]) => answer(list) };
}

describe("presence reads crossing notifications", () => {
  it("a read newer than the notification that overtook it wins (sequence numbers)", async () => {
    const t = setup();
    const reading = t.reads.readNow(["u"], "test");
    t.reads.notified({ userId: "u", presence: busy, sequenceNumber: "0000000000000002" });
    t.answer([{ userId: "u", presence: available, sequenceNumber: "0000000000000003" }]);
    await reading;
    expect(t.shown).toEqual(["InACall", "Available"]);
    t.reads.stop();
  });

  it("a read older than the notification is dropped (sequence numbers)", async () => {
    const t = setup();
    const reading = t.reads.readNow(["u"], "test");
    t.reads.notified({ userId: "u", presence: busy, sequenceNumber: "0000000000000005" });
    t.answer([{ userId: "u", presence: available, sequenceNumber: "0000000000000004" }]);
    await reading;
    expect(t.shown).toEqual(["InACall"]);
    t.reads.stop();
  });

  it("without sequence numbers a read sent before the notification is older", async () => {
    const t = setup();
    const reading = t.reads.readNow(["u"], "test");
    t.reads.notified({ userId: "u", presence: busy });
    t.answer([{ userId: "u", presence: available }]);
    await reading;
    expect(t.shown).toEqual(["InACall"]);
    t.reads.stop();
  });
});
