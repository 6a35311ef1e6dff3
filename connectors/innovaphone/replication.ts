// PbxTableUsers replication (innovaphone-appwebsocket.md §4): ReplicateStart, ReplicateNext until the
// row-less result, then live ReplicateAdd/Update/Del pushed with the start request's src.
// Rows become PbxUser values; the caller diffs against what it knew before a reconnect.
import { HubError } from "../../common/errors.js";
import type { PbxUser } from "../../engine/ports/adapters.js";
import { sameCfbEntry } from "../../engine/rules/cfb.js";
import { type AppMessage, type AppWebsocketClient, newSrc } from "./client.js";
import { cfbEntries, tristate } from "./cds.js";

export const TABLE_API = "PbxTableUsers";
export const REPLICATION_COLUMNS = [
  "guid",
  "h323",
  "cn",
  "dn",
  "e164",
  "emails",
  "cfpr",
  "t-cfpr",
  "cds",
] as const;

export interface ReplicationHandlers {
  /** A row arrived (initial dump or live add/update). */
  row: (user: PbxUser) => void;
  /** A live ReplicateDel. */
  removed: (guid: string) => void;
}

function s(v: unknown): string {
  return typeof v === "string" ? v : typeof v === "number" ? String(v) : "";
}

/** One replication row → PbxUser (cfpr: the user's own value, else the template's, else unknown). */
/** Same user as far as the hub is concerned (every column it replicates). */
export function samePbxUser(a: PbxUser, b: PbxUser): boolean {
  return (
    a.guid === b.guid &&
    a.h323 === b.h323 &&
    a.cn === b.cn &&
    a.dn === b.dn &&
    a.e164 === b.e164 &&
    a.cfpr === b.cfpr &&
    a.emails.length === b.emails.length &&
    a.emails.every((e, i) => e === b.emails[i]) &&
    a.cfb.length === b.cfb.length &&
    a.cfb.every((e, i) => sameCfbEntry(e, b.cfb[i]))
  );
}

export function rowToUser(columns: Record<string, unknown>): PbxUser | undefined {
  const guid = s(columns.guid);
  if (!guid) return undefined;
  // slice(): the array is kept for every PBX user, and filter() leaves it with spare capacity (≈ 130 bytes
  // more than the one e-mail a user usually has).
  const emails = Array.isArray(columns.emails)
    ? columns.emails
        .map((e) => (e && typeof e === "object" ? s((e as Record<string, unknown>).email) : s(e)))
        .filter((e) => e !== "")
        .slice()
    : [];
  const own = tristate(columns.cfpr);
  return {
    guid,
    h323: s(columns.h323),
    cn: s(columns.cn),
    dn: s(columns.dn),
    e164: s(columns.e164),
    emails,
    cfpr: own ?? tristate(columns["t-cfpr"]),
    cfb: cfbEntries(columns.cds),
  };
}

/**
 * Run the initial dump and keep listening for live changes on the same src.
 * Resolves with every replicated user once the row-less ReplicateNextResult arrived.
 */
export async function replicateUsers(
  client: AppWebsocketClient,
  handlers: ReplicationHandlers,
  opts: { timeoutMs?: number; columns?: readonly string[] } = {},
): Promise<Map<string, PbxUser>> {
  const src = newSrc("users");
  const users = new Map<string, PbxUser>();
  // Live events may interleave with the dump; apply them in arrival order. The listener lives as long as
  // the connection but lets go of the dump's map once it is done (100,000 users' rows otherwise stay alive).
  let dump: Map<string, PbxUser> | undefined = users;
  client.listen(src, (msg: AppMessage) => {
    const columns = (msg.columns ?? {}) as Record<string, unknown>;
    if (msg.mt === "ReplicateAdd" || msg.mt === "ReplicateUpdate") {
      const u = rowToUser(columns);
      if (!u) return;
      dump?.set(u.guid, u);
      handlers.row(u);
    } else if (msg.mt === "ReplicateDel") {
      const guid = s(columns.guid) || s(msg.guid);
      if (!guid) return;
      dump?.delete(guid);
      handlers.removed(guid);
    }
  });
  const columns: Record<string, Record<string, never>> = {};
  for (const c of opts.columns ?? REPLICATION_COLUMNS) columns[c] = {};
  const start = await client.request(
    TABLE_API,
    "ReplicateStart",
    { add: false, del: false, columns },
    { src, timeoutMs: opts.timeoutMs },
  );
  if (start.error !== undefined && start.error !== 0) {
    throw new HubError(
      "ACCESS_DENIED",
      `User replication refused by the PBX (${s(start.errorText) || s(start.error)})`,
    );
  }
  // One ReplicateNext in flight, as documented; it goes out before the row before it is handled, so the
  // hub's work on a row overlaps the PBX's answer instead of adding to every round trip.
  const askNext = () =>
    client.request(TABLE_API, "ReplicateNext", {}, { src, timeoutMs: opts.timeoutMs, flush: true });
  let next = askNext();
  try {
    for (;;) {
      const row = (await next).columns as Record<string, unknown> | undefined;
      if (!row || typeof row !== "object" || row.guid === undefined) break;
      next = askNext();
      const u = rowToUser(row);
      if (!u) continue;
      users.set(u.guid, u);
      handlers.row(u);
    }
  } catch (e) {
    next.catch(() => undefined); // a handler threw: the request in flight must not reject unhandled
    throw e;
  }
  dump = undefined;
  return users;
}
