// The simulated PBX's PbxAdminApi (GetObject, UpdateObject incl. call diversions, SearchUsers,
// GetBooleans) and PbxApi's 14r1 non-admin diversions (Get/Add/DelDiversion), as pure request → result
// body functions over the model (innovaphone-appwebsocket.md §5, §9.5). The session sends the reply.
import type { PbxModel, SimUser } from "./model.js";
import type { PbxSimulatorOptions, SimCd } from "./types.js";
import { adminObject, parseCd } from "./wire.js";

type Msg = Record<string, unknown>;

function str(v: unknown): string {
  return typeof v === "string" ? v : typeof v === "number" ? String(v) : "";
}

/** The result body of a PbxAdminApi request, or undefined for a message the PBX does not answer. */
export function adminApiResult(
  mt: string,
  msg: Msg,
  model: PbxModel,
  options: PbxSimulatorOptions,
): Record<string, unknown> | undefined {
  const lookup = (): SimUser | undefined => {
    if (str(msg.guid) && msg.guid !== "*" && msg.guid !== "?")
      return model.users.get(str(msg.guid).toLowerCase());
    if (str(msg.cn)) for (const u of model.users.values()) if (u.cn === msg.cn) return u;
    if (str(msg.h323)) for (const u of model.users.values()) if (u.h323 === msg.h323) return u;
    return undefined;
  };
  switch (mt) {
    case "GetObject": {
      const u = lookup();
      if (!u) return { error: 1, errorText: "not found" };
      return adminObject(u, model.presenceArray(u, false), {
        shape: options.adminCdsShape ?? "admin",
        withTemplate: msg.template === "with",
        properties: Array.isArray(msg.properties) ? msg.properties.map(String) : undefined,
      });
    }
    case "UpdateObject": {
      let u = lookup();
      if (!u) {
        if (msg.guid === "?" || msg.guid === undefined) {
          if (!str(msg.h323) && !str(msg.cn)) return { error: 1, errorText: "no name" };
          u = model.addUser({ h323: str(msg.h323) || str(msg.cn), cn: str(msg.cn) || undefined });
        } else return { error: 1, errorText: "not found" };
      }
      const patch: Parameters<PbxModel["updateUser"]>[1] = {};
      for (const k of ["cn", "dn", "h323", "e164"] as const)
        if (typeof msg[k] === "string") patch[k] = msg[k] as string;
      if (Array.isArray(msg.emails)) {
        patch.emails = msg.emails
          .map((e) => (e && typeof e === "object" ? str((e as Msg).email) : str(e)))
          .filter(Boolean);
      }
      if (msg.cfpr !== undefined) patch.cfpr = typeof msg.cfpr === "boolean" ? msg.cfpr : null; // -1 → unset
      if (msg.dnd !== undefined) patch.dnd = msg.dnd === true;
      if (Array.isArray(msg.cds)) patch.cds = msg.cds.map(parseCd).filter((c) => c !== undefined);
      model.updateUser(u.guid, patch);
      return { guid: u.guid };
    }
    case "SearchUsers": {
      const from = str(msg.cn);
      const limit = Math.min(20, typeof msg.limit === "number" ? msg.limit : 20);
      const list = [...model.users.values()]
        .sort((a, b) => a.cn.localeCompare(b.cn))
        .filter((u) => (msg.includeMatch ? u.cn >= from : u.cn > from))
        .slice(0, limit)
        .map((u) => ({
          cn: u.cn,
          dn: u.dn,
          guid: u.guid,
          h323: u.h323,
          emails: u.emails.map((email) => ({ email })),
        }));
      return { user: list };
    }
    case "GetBooleans":
      return { booleans: [] };
  }
}

/** 14r1 non-admin diversions: entries without Boolean, filter or precedence (§9.5). */
export function diversionResult(
  mt: string,
  msg: Msg,
  u: SimUser | undefined,
  model: PbxModel,
): Record<string, unknown> {
  const type = str(msg.type);
  if (!u || (type !== "cfu" && type !== "cfb" && type !== "cfnr")) {
    return mt === "GetDiversion" ? {} : { ok: false };
  }
  const isUserCd = (c: SimCd) => c.type === type && !c.bool && !c.filter && !c.precedence;
  const existing = u.cds.find(isUserCd);
  if (mt === "GetDiversion") {
    const body: Record<string, unknown> = {};
    if (existing?.e164) body.num = existing.e164;
    if (existing?.h323) body.sip = existing.h323;
    return body;
  }
  const others = u.cds.filter((c) => !isUserCd(c));
  if (mt === "DelDiversion") {
    if (existing) model.updateUser(u.guid, { cds: others });
    return { ok: !!existing };
  }
  const cd: SimCd = { type };
  if (str(msg["ep-num"])) cd.e164 = str(msg["ep-num"]);
  if (str(msg["ep-sip"])) cd.h323 = str(msg["ep-sip"]);
  if (!cd.e164 && !cd.h323) return { ok: false };
  model.updateUser(u.guid, { cds: [...others, cd] });
  return { ok: true };
}
