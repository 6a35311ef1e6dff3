// How the simulator renders its model on the wire: replication rows (flat cds, XML filter string),
// PbxAdminApi objects (nested cds shape) and the parsing of cds written back via UpdateObject (either shape).
import type { SimUser } from "./model.js";
import type { SimCd } from "./types.js";

export const SUPPORTED_COLUMNS = [
  "guid",
  "h323",
  "cn",
  "dn",
  "e164",
  "emails",
  "cfpr",
  "t-cfpr",
  "cds",
  "node",
  "loc",
  "hide",
  "pseudo",
];

function xmlAttr(xml: string, name: string): string | undefined {
  const m = new RegExp(`\\s${name}="([^"]*)"`).exec(xml);
  return m ? m[1] : undefined;
}

export function cdFlat(c: SimCd): Record<string, unknown> {
  const o: Record<string, unknown> = { type: c.type };
  if (c.bool) o.bool = c.bool;
  if (c.boolNot) o["bool-not"] = true;
  if (c.e164) o.e164 = c.e164;
  if (c.h323) o.h323 = c.h323;
  if (c.filter) o.src = c.filter;
  if (c.precedence) o.precedence = true;
  return o;
}

export function cdAdmin(c: SimCd): Record<string, unknown> {
  const o: Record<string, unknown> = { type: c.type };
  if (c.bool) o.bool = c.bool;
  if (c.boolNot) o["bool-not"] = "true";
  const ep: Record<string, string> = {};
  if (c.e164) ep.e164 = c.e164;
  if (c.h323) ep.h323 = c.h323;
  o.ep = [ep];
  if (c.filter) {
    const fep: Record<string, string> = {};
    for (const k of ["e164", "h323", "ext", "fwd"]) {
      const v = xmlAttr(c.filter, k);
      if (v !== undefined) fep[k] = v;
    }
    o.src = [{ type: xmlAttr(c.filter, "type") ?? "do", ep: [fep] }];
  }
  if (c.precedence) o.precedence = true;
  return o;
}

function s(v: unknown): string | undefined {
  return typeof v === "string" && v !== "" ? v : typeof v === "number" ? String(v) : undefined;
}

/** Parse one cd as a client wrote it (flat or nested shape). Returns undefined for garbage. */
export function parseCd(raw: unknown): SimCd | undefined {
  if (!raw || typeof raw !== "object") return undefined;
  const r = raw as Record<string, unknown>;
  const type = r.type;
  if (type !== "cfu" && type !== "cfb" && type !== "cfnr") return undefined;
  const cd: SimCd = { type };
  const ep =
    Array.isArray(r.ep) && r.ep[0] && typeof r.ep[0] === "object" ? (r.ep[0] as Record<string, unknown>) : r;
  const e164 = s(ep.e164);
  const h323 = s(ep.h323);
  if (e164) cd.e164 = e164;
  if (h323) cd.h323 = h323;
  if (s(r.bool)) cd.bool = s(r.bool);
  const bn = r["bool-not"];
  if (bn !== undefined && bn !== false && bn !== "false" && bn !== 0 && bn !== "") cd.boolNot = true;
  if (r.precedence === true) cd.precedence = true;
  if (typeof r.src === "string" && r.src) cd.filter = r.src;
  else if (Array.isArray(r.src) && r.src.length) {
    const f = r.src[0] as Record<string, unknown>;
    const fep = (Array.isArray(f.ep) ? f.ep[0] : {}) as Record<string, unknown>;
    const attrs = Object.entries(fep)
      .map(([k, v]) => ` ${k}="${String(v)}"`)
      .join("");
    cd.filter = `<src type="${s(f.type) ?? "do"}"><ep${attrs}/></src>`;
  }
  return cd;
}

/** A replication row with the requested columns only (unset tristates omitted). */
export function replicationRow(u: SimUser, columns: Set<string>): Record<string, unknown> {
  const all: Record<string, unknown> = {
    guid: u.guid,
    h323: u.h323,
    cn: u.cn,
    dn: u.dn,
    e164: u.e164,
    emails: u.emails.map((email) => ({ email })),
    cds: u.cds.map(cdFlat),
    node: "root",
    loc: "sim",
    hide: false,
    pseudo: "",
  };
  if (u.cfpr !== null) all.cfpr = u.cfpr;
  if (u.tCfpr !== null) all["t-cfpr"] = u.tCfpr;
  const row: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(all)) if (columns.has(k)) row[k] = v;
  return row;
}

/** A PbxAdminApi GetObjectResult body. */
export function adminObject(
  u: SimUser,
  presence: Array<{ contact: string; activity: string; note: string }>,
  opts: { shape: "admin" | "flat"; withTemplate: boolean; properties?: string[] },
): Record<string, unknown> {
  const o: Record<string, unknown> = {
    guid: u.guid,
    cn: u.cn,
    dn: u.dn,
    h323: u.h323,
    e164: u.e164,
    node: "root",
    loc: "sim",
    emails: u.emails.map((email) => ({ email })),
    hide: false,
    dnd: u.dnd,
    presence: presence.map((p) => ({ c: p.contact, a: p.activity, n: p.note })),
    cds: u.cds.map(opts.shape === "admin" ? cdAdmin : cdFlat),
  };
  const cfpr = opts.withTemplate ? (u.cfpr ?? u.tCfpr) : u.cfpr;
  if (cfpr !== null) o.cfpr = cfpr;
  if (opts.properties?.length) {
    const keep = new Set(["guid", ...opts.properties]);
    for (const k of Object.keys(o)) if (!keep.has(k)) delete o[k];
  }
  return o;
}
