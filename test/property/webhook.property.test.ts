// Property-based tests (fast-check) of the Graph webhook parsing path: the validation-token decoding of the
// webhook plugin (connectors/teams/webhook.ts), the plugin itself over fastify's inject (any JSON body → 202
// and handed over unchanged after the reply, except prototype-poisoning keys → 400; any non-JSON body → 400
// and never handed over; never a 5xx),
// and the defensive presence parser and ledger (connectors/teams/presence-reader.ts): any input parses to
// undefined or a well-formed presence, and a replayed or older sequenceNumber never overrides a newer one.
// (test/teams covers the fixed cases; these cover arbitrary inputs.)
import Fastify from "fastify";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PresenceLedger, parsePresence } from "../../connectors/teams/presence-reader.js";
import { teamsWebhookRoutes, validationTokenOf } from "../../connectors/teams/webhook.js";

describe("Graph webhook parsing (property)", () => {
  it("decodes any validation token exactly as sent (percent-encoded, or '+' for spaces)", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 200 }), fc.boolean(), (token, plus) => {
        let enc = encodeURIComponent(token);
        if (plus) enc = enc.replace(/%20/g, "+");
        // Lone surrogates cannot be percent-encoded by encodeURIComponent; they never reach here.
        expect(validationTokenOf(`/graph/notify?validationToken=${enc}`)).toBe(token);
        expect(validationTokenOf(`/graph/notify?other=${enc}`)).toBeNull();
      }),
      { numRuns: 300, seed: 0x3eb1 },
    );
  });

  it("any JSON body → 202 and handed over unchanged; any non-JSON → 400 and dropped; never 5xx", async () => {
    const seen: unknown[] = [];
    const app = Fastify({ logger: false });
    await app.register(teamsWebhookRoutes, {
      handler: {
        handleNotifications: (b) => void seen.push(b),
        handleLifecycle: (b) => void seen.push(b),
        owns: () => true,
      },
      bodyLimit: 64 * 1024,
    });
    await app.ready();
    const flush = () => new Promise((r) => setImmediate(r));
    try {
      await fc.assert(
        fc.asyncProperty(fc.jsonValue({ maxDepth: 4 }), fc.constantFrom("/graph/notify", "/graph/lifecycle"), async (body, url) => {
          seen.length = 0;
          const payload = JSON.stringify(body);
          const res = await app.inject({ method: "POST", url, headers: { "content-type": "application/json" }, payload });
          await flush();
          // JSON `null` has no body for fastify's parser; everything else is accepted and handed over as parsed.
          if (body === null) {
            expect(res.statusCode).toBeLessThan(500);
            return;
          }
          // Prototype-poisoning keys are refused by fastify's secure JSON parser (400) and never handed over.
          if (/"__proto__"\s*:|"constructor"\s*:\s*\{[\s\S]*"prototype"\s*:/.test(payload)) {
            expect(res.statusCode).toBe(400);
            expect(seen).toEqual([]);
            return;
          }
          expect(res.statusCode).toBe(202);
          expect(seen).toEqual([JSON.parse(payload)]);
        }),
        { numRuns: 200, seed: 0x3eb2 },
      );
      await fc.assert(
        fc.asyncProperty(fc.string({ minLength: 1, maxLength: 80 }), async (text) => {
          fc.pre(!isJson(text));
          seen.length = 0;
          const res = await app.inject({ method: "POST", url: "/graph/notify", headers: { "content-type": "application/json" }, payload: text });
          await flush();
          expect(res.statusCode).toBe(400);
          expect(seen).toEqual([]);
        }),
        { numRuns: 200, seed: 0x3eb3 },
      );
      const big = await app.inject({ method: "POST", url: "/graph/notify", headers: { "content-type": "application/json" }, payload: JSON.stringify({ value: [], pad: "x".repeat(70 * 1024) }) });
      expect(big.statusCode).toBe(413);
    } finally {
      await app.close();
    }
  });

  it("parsePresence never throws; any result is a well-formed presence of a named user", () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything(), fc.record({ id: fc.oneof(fc.string(), fc.anything()), availability: fc.anything(), activity: fc.anything(), outOfOfficeSettings: fc.anything(), sequenceNumber: fc.anything() }, { requiredKeys: [] })), fc.option(fc.string({ minLength: 1 }), { nil: undefined }), (raw, fallback) => {
        const p = parsePresence(raw, fallback);
        if (p === undefined) return;
        expect(typeof p.userId).toBe("string");
        expect(p.userId.length).toBeGreaterThan(0);
        expect(typeof p.presence.availability).toBe("string");
        expect(typeof p.presence.activity).toBe("string");
        expect(typeof p.presence.outOfOffice).toBe("boolean");
        if (p.sequenceNumber !== undefined) expect(typeof p.sequenceNumber).toBe("string");
      }),
      { numRuns: 500, seed: 0x3eb4 },
    );
  });

  it("the ledger ends on the presence with the newest sequenceNumber, whatever the arrival order (replays included)", () => {
    const pairs = [
      ["Available", "Available"],
      ["Busy", "InACall"],
      ["DoNotDisturb", "Presenting"],
      ["Away", "Away"],
    ] as const;
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: 10_000 }), { minLength: 1, maxLength: 12 }).chain((seqs) =>
          fc.tuple(
            fc.constant(seqs),
            fc.array(fc.integer({ min: 0, max: pairs.length - 1 }), { minLength: seqs.length, maxLength: seqs.length }),
            fc.shuffledSubarray(seqs, { minLength: seqs.length, maxLength: seqs.length }),
            fc.array(fc.constantFrom(...seqs), { maxLength: 4 }), // replays
          ),
        ),
        ([seqs, pick, order, replays]) => {
          const ledger = new PresenceLedger();
          const bySeq = new Map(seqs.map((s, i) => [s, pairs[pick[i]]]));
          const emitted: string[] = [];
          const feed = (s: number) => {
            const [availability, activity] = bySeq.get(s)!;
            const out = ledger.accept({
              userId: "u1",
              presence: { availability, activity, outOfOffice: false },
              // Graph's sequenceNumber is an opaque, ordered string; pad so string order = number order.
              sequenceNumber: String(s).padStart(8, "0"),
            });
            if (out) emitted.push(`${availability}/${activity}`);
          };
          for (const s of order) feed(s);
          for (const s of replays) feed(s);
          const newest = bySeq.get(Math.max(...seqs))!;
          // Emissions only happen on change, so the last emitted value is the ledger's current value: it must be
          // the newest, however the changes arrived and whatever was replayed after.
          expect(emitted.at(-1)).toBe(`${newest[0]}/${newest[1]}`);
        },
      ),
      { numRuns: 300, seed: 0x3eb5 },
    );
  });
});

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
