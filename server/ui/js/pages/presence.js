// How the Endpoints page shows presence: the Teams cell (the user's own presence in words, and what the hub
// sets in Teams, e.g. "Do not disturb · by hub" during a PBX call), the PBX cell (call state and the
// user's activity), and "Hub sets" (what the hub writes to either side, pending and failed writes).
import { h } from "../dom.js";
import { label, t } from "../i18n.js";

const BUSY_TEAMS = new Set(["Busy", "DoNotDisturb", "BusyIdle"]);

/** "Busy" + "In a call" → the availability pill and the activity in words when it says more. */
function teamsPresence(p, cls) {
  const busy = BUSY_TEAMS.has(p.availability);
  return [
    h(`span.pill.${cls ?? (busy ? "busy" : "free")}`, label("availability", p.availability)),
    p.activity && p.activity !== p.availability ? h("span.small.muted", ` ${label("activity", p.activity)}`) : null,
  ];
}

export function teamsCell(ep) {
  const own = ep.teams?.presence;
  const hub = ep.hub?.teams?.desired?.presence;
  const parts = [];
  if (hub) {
    parts.push(
      h("span.hub-sets", { title: t("presence.hubTeamsTitle") }, h("span.pill.busy", label("availability", hub.availability)),
        h("span.pill.hub", ep.hub.teams.pending ? t("presence.byHubPending") : t("presence.byHub"))),
    );
    if (own) parts.push(h("div.small.muted", t("presence.ownStatus", { status: label("availability", own.availability) })));
  } else if (own) parts.push(...teamsPresence(own));
  else parts.push(h("span.muted", ep.teamsUserId ? t("presence.unknown") : t("presence.noTeamsUser")));
  if (own?.outOfOffice) parts.push(h("span.pill.warn", t("presence.outOfOffice")));
  return h("span", parts);
}

export function pbxCell(ep) {
  const s = ep.pbx?.callState || "idle";
  const busy = s !== "idle";
  return h("span", h(`span.pill.${busy ? "busy" : "free"}`, label("callState", s)),
    ep.pbx?.activity ? h("span.pill", label("pbxActivity", ep.pbx.activity)) : null);
}

export function hubCell(ep) {
  const pbx = ep.hub?.pbx;
  const teams = ep.hub?.teams;
  const parts = [];
  const pbxAct = pbx?.desired?.activity;
  if (pbxAct) parts.push(h("span.pill.busy", { title: t("presence.hubPbxTitle") }, t("presence.pbxSide", { activity: label("pbxActivity", pbxAct) })));
  const tp = teams?.desired?.presence;
  if (tp) parts.push(h("span.pill.busy", { title: t("presence.hubTeamsTitle") }, t("presence.teamsSide", { availability: label("availability", tp.availability) })));
  if (pbx?.pending || teams?.pending) parts.push(h("span.pill.warn", t("presence.pending")));
  if (pbx?.lastError || teams?.lastError) parts.push(h("span.pill.busy", { title: pbx?.lastError || teams?.lastError }, t("presence.writeFailed")));
  return parts.length ? h("span", parts) : h("span.muted", "—");
}
