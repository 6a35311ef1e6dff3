// Events page: the hub's event log, newest first, each row with its time (local), level, kind in words,
// the user and PBX connector it concerns (by name; a click on the user filters by them) and the message.
// Filters by user, connector, kind family and minimum level run on the server (GET /api/events); "Load
// older events" pages back with beforeId; live events (SSE) are added when they match the filters. Shows the
// top bar's tenant's events; with all tenants (and more than one) a tenant filter and each event's tenant.
import { get, qs } from "../api.js";
import { cell, clear, errorNote, h } from "../dom.js";
import { fmtTime, label, t } from "../i18n.js";
import { onLive } from "../live.js";
import { scopeTenant, showTenants, tenantFilter, tenantName } from "../scope.js";

export const titleKey = "nav.events";
const PAGE = 100;
const LEVELS = ["debug", "info", "warn", "error"];
/** Kind families the filter offers (GET /api/events?kind=<family> matches every "<family>.*"). */
const FAMILIES = ["connector", "teams", "endpoint", "presence", "decision", "write", "cfb", "rules", "hub", "undo"];

/** The same meaning as the server's filter (server/hub/events.ts eventMatches), for live events. */
function matches(e, f) {
  if (f.tenant && e.tenant !== f.tenant) return false;
  if (f.endpointId && e.endpointId !== f.endpointId) return false;
  if (f.connectorId && e.connectorId !== f.connectorId) return false;
  if (f.level && LEVELS.indexOf(e.level) < LEVELS.indexOf(f.level)) return false;
  if (f.kind && e.kind !== f.kind && !e.kind.startsWith(`${f.kind}.`)) return false;
  return true;
}

export async function render(main) {
  const filter = { tenant: scopeTenant(), endpointId: "", endpointName: "", connectorId: "", kind: "", level: "" };
  const withTenant = showTenants();
  const connectorNames = new Map();
  const tbody = h("tbody");
  const more = h("button.btn", { type: "button", id: "ev-more" }, t("events.older"));
  const count = h("span", { id: "ev-count", "aria-live": "polite" });
  const connectorSel = h("select", { id: "ev-connector", "aria-label": t("common.connector") }, h("option", { value: "" }, t("common.allConnectors")));
  const kindSel = h("select", { id: "ev-kind", "aria-label": t("events.kind") }, h("option", { value: "" }, t("events.allKinds")),
    FAMILIES.map((f) => h("option", { value: f }, label("family", f))));
  const levelSel = h("select", { id: "ev-level", "aria-label": t("events.level") }, h("option", { value: "" }, t("events.allLevels")),
    h("option", { value: "info" }, t("events.levelInfo")), h("option", { value: "warn" }, t("events.levelWarn")),
    h("option", { value: "error" }, t("events.levelError")));
  const userSearch = h("input", { type: "search", id: "ev-user", placeholder: t("events.userPlaceholder"), "aria-label": t("events.user"), autocomplete: "off" });
  const userResults = h("ul.map-results.suggest", { id: "ev-user-results", "aria-live": "polite" });
  const userChip = h("span.chip-wrap");
  const col = (key) => h("th", { scope: "col" }, t(key));
  clear(
    main,
    h("div.page-head", h("div", h("h1", t("nav.events")), h("p", t("events.intro")))),
    h("div.filters", { role: "group", "aria-label": t("events.filters") },
      withTenant ? tenantFilter("ev-tenant", (v) => {
        filter.tenant = v;
        filter.connectorId = "";
        setUser("", "");
        loadConnectors();
      }) : null,
      h("div.user-filter", userSearch, userResults), userChip, connectorSel, kindSel, levelSel),
    h("div.panel.flush",
      h("table.cards", { "aria-label": t("events.table") },
        h("thead", h("tr", col("events.time"), col("events.level"), col("events.kind"), col("events.who"), col("events.message"))), tbody),
      h("div.pager", count, more)),
  );

  let oldest = null;
  let shown = 0;
  let generation = 0;
  /** Live events that arrive while the first page loads: added after it, unless the page has them. */
  let held = null;

  function who(e) {
    const parts = [];
    if (e.endpointId) {
      const name = e.endpointName ?? t("events.deletedUser");
      parts.push(e.endpointName
        ? h("button.link", { type: "button", title: t("events.filterUser", { name }), onclick: () => setUser(e.endpointId, name) }, name)
        : h("span.muted", name));
    }
    const cname = e.connectorName ?? (e.connectorId ? (connectorNames.get(e.connectorId) ?? t("events.deletedConnector")) : null);
    if (cname) parts.push(h("div.small.muted", cname));
    if (withTenant && e.tenant) parts.push(h("div.small.muted.tenant", tenantName(e.tenant)));
    return parts.length ? parts : h("span.muted", "—");
  }

  function row(e) {
    const level = e.level === "error" ? "error" : e.level === "warn" ? "warn" : "idle";
    return h(
      "tr",
      { dataset: { eventId: e.id, kind: e.kind, level: e.level, endpointId: e.endpointId ?? "", connectorId: e.connectorId ?? "", tenant: e.tenant ?? "" } },
      cell("td.small.time", t("events.time"), h("time", { datetime: e.at }, fmtTime(e.at))),
      cell("td", t("events.level"), h(`span.badge.${level}`, label("level", e.level))),
      cell("td.small", t("events.kind"), label("kind", e.kind)),
      cell("td.who", t("events.who"), who(e)),
      cell("td.message", t("events.message"), e.message),
    );
  }

  function showCount() {
    count.textContent = t("events.count", { count: shown });
  }

  async function load(reset) {
    const gen = reset ? ++generation : generation;
    if (reset) {
      oldest = null;
      shown = 0;
    }
    more.disabled = true;
    if (reset) held = [];
    try {
      const list = await get(`/api/events${qs({ tenant: filter.tenant, limit: PAGE, beforeId: oldest ?? undefined, endpointId: filter.endpointId,
        connectorId: filter.connectorId, kind: filter.kind, level: filter.level })}`);
      if (gen !== generation) return; // the filters changed meanwhile
      if (reset) clear(tbody);
      for (const e of list) tbody.append(row(e));
      shown += list.length;
      if (list.length) oldest = list[list.length - 1].id;
      more.disabled = list.length < PAGE;
      if (!tbody.children.length) tbody.append(h("tr.none", h("td.empty", { colspan: 5 }, anyFilter() ? t("events.noMatch") : t("events.empty"))));
      showCount();
    } catch (e) {
      clear(tbody, h("tr", h("td", { colspan: 5 }, errorNote(e))));
    }
    if (reset && gen === generation) {
      const newest = Number(tbody.querySelector("tr[data-event-id]")?.dataset.eventId ?? 0);
      const late = held.filter((e) => e.id > newest);
      held = null;
      for (const e of late) addLive(e);
    }
  }

  const anyFilter = () => Boolean((withTenant && filter.tenant) || filter.endpointId || filter.connectorId || filter.kind || filter.level);

  function setUser(id, name) {
    filter.endpointId = id;
    filter.endpointName = name;
    userSearch.value = "";
    clear(userResults);
    clear(userChip, id
      ? h("span.chip", { id: "ev-user-chip" }, t("events.userChip", { name }),
          h("button.close.small", { type: "button", "aria-label": t("events.clearUser", { name }), onclick: () => setUser("", "") }, "×"))
      : null);
    load(true);
  }

  let searchTimer = null;
  userSearch.addEventListener("input", () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(async () => {
      const q = userSearch.value.trim();
      if (!q) return void clear(userResults);
      try {
        const res = await get(`/api/endpoints${qs({ tenant: filter.tenant, search: q, limit: 8 })}`);
        clear(userResults, res.items.length === 0
          ? h("li.muted", t("events.noUser"))
          : res.items.map((ep) => h("li", h("button.link", { type: "button", onclick: () => setUser(ep.id, ep.displayName) }, ep.displayName),
              h("span.small.muted", ep.email || ep.h323))));
      } catch (e) {
        clear(userResults, h("li", errorNote(e)));
      }
    }, 250);
  });
  for (const [sel, key] of [[connectorSel, "connectorId"], [kindSel, "kind"], [levelSel, "level"]]) {
    sel.addEventListener("change", () => {
      filter[key] = sel.value;
      load(true);
    });
  }
  more.addEventListener("click", () => load(false));

  /** The connector filter offers the connectors of the tenant shown; names of all are kept for the rows. */
  async function loadConnectors() {
    clear(connectorSel, h("option", { value: "" }, t("common.allConnectors")));
    try {
      for (const c of await get(`/api/connectors${qs({ tenant: filter.tenant })}`)) {
        connectorNames.set(c.id, c.name);
        connectorSel.append(h("option", { value: c.id }, c.name));
      }
    } catch {
      // the log still works without the connector filter
    }
  }
  await loadConnectors();
  const off = onLive("event", (msg) => addLive(msg.event));
  await load(true);
  function addLive(e) {
    if (!matches(e, filter)) return;
    if (held) return void held.push(e);
    tbody.querySelector("tr.none")?.remove();
    const tr = row(e);
    tr.classList.add("flash");
    tbody.prepend(tr);
    shown++;
    while (tbody.children.length > 1000) {
      tbody.lastElementChild.remove();
      shown--;
      oldest = Number(tbody.lastElementChild.dataset.eventId);
      more.disabled = false;
    }
    showCount();
  }
  return () => {
    off();
    clearTimeout(searchTimer);
  };
}
