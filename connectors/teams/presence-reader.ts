// Presence reads and parsing: getPresencesByUserId in batches of ≤ 650 ids (msgraph-presence.md §2) and
// the defensive parser shared with notifications (case-insensitive values, unknown strings kept, §1.2).
import { interner } from "../../common/intern.js";
import { canonicalActivity, canonicalAvailability, type TeamsPresence } from "../../engine/presence.js";
import { MAX_IDS_PER_PRESENCE_READ } from "./config.js";
import type { GraphClient } from "./graph-client.js";
import type { AccessTokenSource } from "./tokens.js";

/** A parsed presence with the ordering stamp when Graph sent one. */
export interface ObservedPresence {
  userId: string;
  presence: TeamsPresence;
  sequenceNumber?: string;
}

/** Parse one Graph presence object; undefined when it names no user. */
export function parsePresence(raw: unknown, fallbackId?: string): ObservedPresence | undefined {
  if (!raw || typeof raw !== "object") return undefined;
  const o = raw as Record<string, unknown>;
  const userId = typeof o.id === "string" && o.id ? o.id : fallbackId;
  if (!userId) return undefined;
  const avail = typeof o.availability === "string" ? o.availability : "PresenceUnknown";
  const act = typeof o.activity === "string" ? o.activity : "PresenceUnknown";
  const ooo = o.outOfOfficeSettings as { isOutOfOffice?: unknown } | null | undefined;
  return {
    userId,
    presence: {
      availability: canonicalAvailability(avail) ?? avail,
      activity: canonicalActivity(act) ?? act,
      outOfOffice: ooo?.isOutOfOffice === true || (canonicalActivity(act) ?? act) === "OutOfOffice",
    },
    sequenceNumber: typeof o.sequenceNumber === "string" && o.sequenceNumber ? o.sequenceNumber : undefined,
  };
}

/** Read the presence of many users, ≤ 650 ids per request, batches sequentially to spare the budget. */
export async function readPresences(
  graph: GraphClient,
  token: AccessTokenSource,
  userIds: readonly string[],
): Promise<ObservedPresence[]> {
  const out: ObservedPresence[] = [];
  for (let i = 0; i < userIds.length; i += MAX_IDS_PER_PRESENCE_READ) {
    const ids = userIds.slice(i, i + MAX_IDS_PER_PRESENCE_READ);
    const res = await graph.request<{ value?: unknown[] }>("POST", "/communications/getPresencesByUserId", {
      token,
      body: { ids },
    });
    for (const raw of res.body?.value ?? []) {
      const p = parsePresence(raw);
      if (p) out.push(p);
    }
  }
  return out;
}

/** The ledger keeps one key per watched user; the keys come from a small vocabulary, so share them. */
const internKey = interner();

/**
 * Per-user dedupe and ordering: a change is accepted when its sequenceNumber is newer than the last one
 * seen (§1.1; digit strings by value, others lexicographically) and its value differs from the last
 * emitted value. Without sequence numbers arrival order decides.
 */
export class PresenceLedger {
  private readonly last = new Map<string, { seq?: string; key: string }>();

  accept(p: ObservedPresence): boolean {
    const prev = this.last.get(p.userId);
    const key = internKey(`${p.presence.availability}|${p.presence.activity}|${p.presence.outOfOffice}`);
    if (prev?.seq !== undefined && p.sequenceNumber !== undefined && !seqNewer(p.sequenceNumber, prev.seq))
      return false;
    const changed = prev?.key !== key;
    this.last.set(p.userId, { seq: p.sequenceNumber ?? prev?.seq, key });
    return changed;
  }

  forget(userId: string): void {
    this.last.delete(userId);
  }
}

function seqNewer(a: string, b: string): boolean {
  // "Lexicographically sortable" per the docs, but a counter that gains a digit ("9" → "10") or a source
  // that pads differently ("0009" vs "10") must still order by value: digit strings compare as numbers.
  if (/^\d+$/.test(a) && /^\d+$/.test(b)) {
    const x = a.replace(/^0+(?=\d)/, "");
    const y = b.replace(/^0+(?=\d)/, "");
    return x.length !== y.length ? x.length > y.length : x > y;
  }
  return a > b;
}
