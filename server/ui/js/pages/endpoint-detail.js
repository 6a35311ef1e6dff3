// The Endpoints page's detail panel of one endpoint (a full-screen sheet on small screens): presence of
// both sides, what the hub sets, the last decisions with their reasons, manual mapping to a Teams user,
// and the timeline of its events. The Teams users to map to come from the endpoint's tenant's directory.
import { get, patch, qs } from "../api.js";
import { clear, errorNote, h, toast } from "../dom.js";
import { fmtTime, label, t } from "../i18n.js";
import { teamsBase } from "../scope.js";
import { hubCell, pbxCell, teamsCell } from "./presence.js";

/**
 * Draws endpoint `id` into `detail`. `changed` reloads the list after a mapping change; `onClose` closes
 * the panel. Returns false when the endpoint could not be loaded.
 */
export async function drawDetail(detail, id, { changed, onClose, isCurrent }) {
  let ep;
  let events;
  try {
    [ep, events] = await Promise.all([get(`/api/endpoints/${encodeURIComponent(id)}`), get(`/api/endpoints/${encodeURIComponent(id)}/timeline?limit=50`)]);
  } catch (e) {
    clear(detail, errorNote(e));
    return false;
  }
  if (!isCurrent()) return false;
  const closeBtn = h("button.close", { type: "button", "aria-label": t("endpoints.closeDetail") }, "×");
  closeBtn.addEventListener("click", onClose);
  const d = ep.lastDecision || {};
  const remap = async (body) => {
    try {
      await patch(`/api/endpoints/${encodeURIComponent(id)}`, body);
      await changed();
    } catch (e) {
      toast(e.message, "error");
    }
  };
  const auto = h("button.btn.small", { type: "button", disabled: ep.match === "auto", onclick: () => remap({ match: "auto" }) }, t("endpoints.autoMatch"));
  const unmap = h("button.btn.small", { type: "button", disabled: !ep.teamsUserId, onclick: () => remap({ teamsUserId: null }) }, t("endpoints.unmap"));
  // Manual mapping: search the cached directory on the server, map with one click.
  const mapSearch = h("input", { type: "search", id: "ep-map-search", placeholder: t("endpoints.mapPlaceholder"), "aria-label": t("endpoints.mapLabel") });
  const mapResults = h("ul.map-results", { "aria-live": "polite" });
  let mapTimer = null;
  mapSearch.addEventListener("input", () => {
    clearTimeout(mapTimer);
    mapTimer = setTimeout(async () => {
      const q = mapSearch.value.trim();
      if (!q) return void clear(mapResults);
      try {
        const res = await get(`${teamsBase(ep.tenant)}/users${qs({ search: q, limit: 8 })}`);
        clear(
          mapResults,
          res.items.length === 0
            ? h("li.muted", t("endpoints.noTeamsUserFound"))
            : res.items.map((u) =>
                h("li", h("span", h("strong", u.displayName), h("span.small.muted", ` ${u.mail || u.userPrincipalName}`)),
                  h("button.btn.small", { type: "button", onclick: () => remap({ teamsUserId: u.id }) }, t("endpoints.map")))),
        );
      } catch (e) {
        clear(mapResults, h("li", errorNote(e)));
      }
    }, 250);
  });
  clear(
    detail,
    h("div.page-head.detail-head", h("h2", { tabindex: -1 }, ep.displayName), closeBtn),
    h("dl.kv",
      h("dt", t("endpoints.email")), h("dd", ep.email || "—"),
      h("dt", t("endpoints.extension")), h("dd.mono", `${ep.h323}${ep.e164 ? ` / ${ep.e164}` : ""}`),
      h("dt", t("endpoints.teamsUser")), h("dd.small", ep.teamsUserId ? h("span.mono.wrap", ep.teamsUserId) : t("endpoints.notMatched"), " ",
        h("span.pill", label("match", ep.match))),
      h("dt", t("endpoints.teams")), h("dd", teamsCell(ep)),
      h("dt", t("endpoints.pbx")), h("dd", pbxCell(ep), ep.pbx?.cfpr === false ? h("span.pill.warn", t("endpoints.cfprOff")) : null),
      h("dt", t("endpoints.hubSets")), h("dd", hubCell(ep)),
      h("dt", t("endpoints.teamsToPbx")), h("dd.small", d.teamsToPbx ? d.teamsToPbx.reason : "—"),
      h("dt", t("endpoints.pbxToTeams")), h("dd.small", d.pbxToTeams ? d.pbxToTeams.reason : "—")),
    (ep.warnings || []).map((w) => h("div.note.warn", w.message)),
    h("div.toolbar.gap-y", auto, unmap),
    h("div.map", mapSearch, mapResults),
    h("h2", t("endpoints.timeline")),
    events.length === 0
      ? h("p.muted", t("endpoints.noEvents"))
      : h("ol.timeline", { id: "ep-timeline" }, events.map((e) =>
          h(`li.${e.kind.startsWith("decision") ? "decision" : e.level}`, h("div.when", `${fmtTime(e.at)} · ${label("kind", e.kind)}`), h("div", e.message)))),
  );
  return true;
}
