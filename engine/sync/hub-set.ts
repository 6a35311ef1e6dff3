// What the hub itself set on each side (HubSetState): the questions every part asks of it (is anything left
// to undo, on which side) and the reading of rows persisted by earlier versions.
import { type CfbEntry, plainCfbEntry } from "../ports/adapters.js";
import { EMPTY_HUB_SET, type HubSetState } from "./types.js";

export function isNeutral(h: HubSetState): boolean {
  return !holdsPbx(h) && !holdsTeamsSession(h);
}

/** Something the hub set (or may have set) on the PBX: its presence slot, a CFB entry or an unresolved add. */
export function holdsPbx(h: HubSetState): boolean {
  return !!(h.pbx || h.pbxDirty || h.cfb || h.cfbIntent || h.cfbRetired.length);
}

/** A Graph session the hub set (or may have set) for the endpoint's Teams user. */
export function holdsTeamsSession(h: HubSetState): boolean {
  return !!(h.teams || h.teamsDirty);
}

/**
 * A persisted state as the current core works with it. Rows written before the CFB planner carried the
 * intent as a destination (always a plain entry then) and had no retired entries.
 */
export function normalizeHubSet(raw: Partial<HubSetState> | undefined): HubSetState {
  const s = { ...EMPTY_HUB_SET, ...(raw ?? {}) };
  const intent = s.cfbIntent as (HubSetState["cfbIntent"] & { destination?: string }) | null;
  if (intent && !intent.entry && intent.destination)
    s.cfbIntent = { entry: plainCfbEntry(intent.destination), before: intent.before ?? [] };
  if (!Array.isArray(s.cfbRetired)) s.cfbRetired = [];
  return s;
}

/** The entries the hub holds or may hold on the PBX (its own, not the user's). */
export function hubEntries(h: HubSetState): CfbEntry[] {
  const out = [...h.cfbRetired];
  if (h.cfb) out.push(h.cfb);
  if (h.cfbIntent) out.push(h.cfbIntent.entry);
  return out;
}
