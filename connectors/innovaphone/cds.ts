// Call-diversion (`cds`) parsing for both shapes the PBX uses (innovaphone-appwebsocket.md §4.2, §5.3):
// the flat replication shape ({type,e164,h323,src:"<xml>",precedence}) and the nested PbxAdminApi shape
// ({type,ep:[{e164,h323}],src:[{type,ep}]}), plus the tristate `cfpr` decoding. Pure functions.
import { type CfbEntry, plainCfbEntry } from "../../engine/ports/adapters.js";

export type RawCd = Record<string, unknown>;

function str(v: unknown): string | undefined {
  return typeof v === "string" && v !== "" ? v : undefined;
}

/** `bool-not` is documented as "not 'false' = inverted"; accept booleans, numbers and strings. */
function truthy(v: unknown): boolean {
  if (v === undefined || v === null || v === false || v === 0) return false;
  if (typeof v === "string") return v !== "" && v !== "false" && v !== "0";
  return true;
}

/** Destination of a cd in either shape: flat e164/h323, or the first element of `ep`. */
export function cdDestination(cd: RawCd): { e164?: string; h323?: string } {
  const ep = Array.isArray(cd.ep) ? (cd.ep[0] as RawCd | undefined) : undefined;
  if (ep && typeof ep === "object") return { e164: str(ep.e164), h323: str(ep.h323) };
  return { e164: str(cd.e164), h323: str(cd.h323) };
}

/** A caller filter exists: XML `src` string (replication) or a non-empty `src` array (admin). */
function hasFilter(cd: RawCd): boolean {
  if (typeof cd.src === "string") return cd.src.trim() !== "";
  if (Array.isArray(cd.src)) return cd.src.length > 0;
  return false;
}

/** Normalize one raw cd (either shape) into the shared CfbEntry. */
export function toCfbEntry(cd: RawCd): CfbEntry {
  const d = cdDestination(cd);
  const e: CfbEntry = {};
  if (d.e164) e.e164 = d.e164;
  if (d.h323) e.h323 = d.h323;
  const bool = str(cd.bool);
  if (bool) e.bool = bool;
  if (truthy(cd["bool-not"])) e.boolNot = true;
  if (truthy(cd.precedence)) e.precedence = true;
  if (hasFilter(cd)) e.filtered = true;
  return e;
}

/** The CFB entries of a raw cds array (entries of other types are ignored). */
export function cfbEntries(cds: unknown): CfbEntry[] {
  if (!Array.isArray(cds)) return [];
  return cds
    .filter((c): c is RawCd => !!c && typeof c === "object" && (c as RawCd).type === "cfb")
    .map(toCfbEntry);
}

/** Same entry? Compares every normalized field, so the hub never removes a look-alike with a Boolean or filter. */
export function sameCfb(a: CfbEntry, b: CfbEntry): boolean {
  return (
    (a.e164 ?? "") === (b.e164 ?? "") &&
    (a.h323 ?? "") === (b.h323 ?? "") &&
    (a.bool ?? "") === (b.bool ?? "") &&
    !!a.boolNot === !!b.boolNot &&
    !!a.precedence === !!b.precedence &&
    !!a.filtered === !!b.filtered
  );
}

/** Shape of the cds array the PBX sent: "admin" (nested ep) or "flat", or undefined when it cannot tell. */
export function detectCdsShape(cds: unknown): "admin" | "flat" | undefined {
  if (!Array.isArray(cds)) return undefined;
  for (const c of cds) {
    if (c && typeof c === "object") {
      if (Array.isArray((c as RawCd).ep)) return "admin";
      if ("e164" in (c as RawCd) || "h323" in (c as RawCd)) return "flat";
    }
  }
  return undefined;
}

/** Destination string → entry: digits (with optional leading +) are a number, anything else an h323 name. */
export const destinationEntry = plainCfbEntry;

/**
 * Encode a CFB entry without Boolean or filter (the only kind the hub adds) in the given shape for
 * UpdateObject. `precedence` is written in both shapes: replication shows it flat, and the admin shape is
 * documented without it but carries the same object (innovaphone-appwebsocket.md §5.3).
 */
export function encodeCfb(entry: CfbEntry, shape: "admin" | "flat"): RawCd {
  const ep: RawCd = {};
  if (entry.e164) ep.e164 = entry.e164;
  if (entry.h323) ep.h323 = entry.h323;
  const cd: RawCd = shape === "admin" ? { type: "cfb", ep: [ep] } : { type: "cfb", ...ep };
  if (entry.precedence) cd.precedence = true;
  return cd;
}

/**
 * Decode a tristate (`cfpr`, `t-cfpr`): absent → null; booleans, "true"/"false"/"on"/"off", 1/0 accepted;
 * -1 or anything else → null (unset). The real encoding is unverified (§4.2), so be liberal.
 */
export function tristate(v: unknown): boolean | null {
  if (typeof v === "boolean") return v;
  if (typeof v === "number") return v === 1 ? true : v === 0 ? false : null;
  if (typeof v === "string") {
    const s = v.trim().toLowerCase();
    if (s === "true" || s === "on" || s === "1" || s === "yes") return true;
    if (s === "false" || s === "off" || s === "0" || s === "no") return false;
  }
  return null;
}
