// CFB fallback through PbxAdminApi (innovaphone-appwebsocket.md §5): read-modify-write of the user's
// whole `cds` array. Entries the hub did not create are passed back byte-for-byte as the PBX sent them;
// only the one entry the hub appends (or later removes) changes. Whether UpdateObject replaces or merges
// arrays is undocumented, so sending the full array is the only safe choice either way.
import { HubError, isHubError } from "../../common/errors.js";
import type { CfbEntry } from "../../engine/ports/adapters.js";
import type { AppWebsocketClient } from "./client.js";
import { destinationEntry, detectCdsShape, encodeCfb, type RawCd, sameCfb, toCfbEntry } from "./cds.js";

export const ADMIN_API = "PbxAdminApi";

export interface AdminCfbOptions {
  /** Shape used for the new entry when the user has no cds yet to copy the shape from. Default "admin". */
  defaultShape?: "admin" | "flat";
  /** addCfb: return an equal entry the user already has instead of adding a second one. */
  adoptExisting?: boolean;
  /** addCfb: the entry "takes precedence" over the user's own call forwards (admin CF, 12r2+). */
  precedence?: boolean;
  timeoutMs?: number;
}

function adminError(res: Record<string, unknown>, what: string): HubError | undefined {
  if (res.error === undefined || res.error === 0 || res.error === false || res.error === "") return undefined;
  const text = typeof res.errorText === "string" ? res.errorText : String(res.error);
  if (/not found/i.test(text)) return new HubError("NOT_FOUND", `${what}: user not found on the PBX`);
  return new HubError("UPSTREAM", `${what}: the PBX answered with an error (${text})`);
}

async function readCds(client: AppWebsocketClient, guid: string, timeoutMs?: number): Promise<RawCd[]> {
  // template "without" (the default) returns only the user's own entries: template CFs must never be
  // copied into the user object.
  const res = await client.request(ADMIN_API, "GetObject", { guid, template: "without" }, { timeoutMs });
  const err = adminError(res, "Reading call forwards");
  if (err) throw err;
  if (res.guid === undefined && res.cn === undefined && res.h323 === undefined) {
    throw new HubError("NOT_FOUND", "Reading call forwards: user not found on the PBX");
  }
  return Array.isArray(res.cds) ? (res.cds as RawCd[]) : [];
}

async function writeCds(
  client: AppWebsocketClient,
  guid: string,
  cds: RawCd[],
  timeoutMs?: number,
): Promise<void> {
  const res = await client.request(ADMIN_API, "UpdateObject", { guid, cds }, { timeoutMs });
  const err = adminError(res, "Writing call forwards");
  if (err) throw err;
}

/**
 * Whether the App object may use PbxAdminApi, probed with a read of one user. A PBX answers requests to an
 * API the App object lacks with silence (or, on some versions, an error), so a timeout means "no access".
 */
export async function probeAdminAccess(client: AppWebsocketClient, guid: string, timeoutMs: number): Promise<boolean> {
  try {
    await readCds(client, guid, timeoutMs);
    return true;
  } catch (e) {
    if (isHubError(e, "CONNECTION_CLOSED")) throw e;
    // A user deleted in between still proves the API answers.
    return isHubError(e, "NOT_FOUND");
  }
}

/**
 * Append a CFB entry to `destination` (no Boolean, no filter; "takes precedence" when asked); resolves with the
 * normalized entry that was added.
 */
export async function addCfb(
  client: AppWebsocketClient,
  guid: string,
  destination: string,
  opts: AdminCfbOptions = {},
): Promise<CfbEntry> {
  if (!destination.trim()) throw new HubError("CONFIG_INVALID", "No CFB destination number configured");
  const cds = await readCds(client, guid, opts.timeoutMs);
  const entry = destinationEntry(destination.trim());
  if (opts.precedence) entry.precedence = true;
  if (opts.adoptExisting) {
    const existing = cds.find((cd) => cd?.type === "cfb" && sameCfb(toCfbEntry(cd), entry));
    if (existing) return toCfbEntry(existing);
  }
  const shape = detectCdsShape(cds) ?? opts.defaultShape ?? "admin";
  await writeCds(client, guid, [...cds, encodeCfb(entry, shape)], opts.timeoutMs);
  return entry;
}

/**
 * Remove exactly one CFB entry equal to `entry` (destination, Boolean, filter, precedence all equal).
 * The last match is removed because the hub appends. Resolves false when no such entry exists any more.
 */
export async function removeCfb(
  client: AppWebsocketClient,
  guid: string,
  entry: CfbEntry,
  opts: AdminCfbOptions = {},
): Promise<boolean> {
  const cds = await readCds(client, guid, opts.timeoutMs);
  let idx = -1;
  for (let i = cds.length - 1; i >= 0; i--) {
    const cd = cds[i];
    if (cd && cd.type === "cfb" && sameCfb(toCfbEntry(cd), entry)) {
      idx = i;
      break;
    }
  }
  if (idx < 0) return false;
  await writeCds(
    client,
    guid,
    cds.filter((_, i) => i !== idx),
    opts.timeoutMs,
  );
  return true;
}
