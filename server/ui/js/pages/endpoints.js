// Endpoints page: server-side search and paging (only one page is ever in the browser, so it stays fast
// with thousands of users), live presence of both sides over SSE, bulk enable/disable, rematch, and the
// detail panel (endpoint-detail.js). The table becomes cards on small screens; the cells are in presence.js.
// Lists the top bar's tenant's endpoints; with all tenants (and more than one) a Tenant column and filter.
import { get, patch, post, qs } from "../api.js";
import { cell, clear, errorNote, h, toast } from "../dom.js";
import { t } from "../i18n.js";
import { liveList } from "../live.js";
import { scopeTenant, showTenants, tenantFilter, tenantName } from "../scope.js";
import { drawDetail as renderDetail } from "./endpoint-detail.js";
import { hubCell, pbxCell, teamsCell } from "./presence.js";

export const titleKey = "nav.endpoints";
const PAGE = 50;

export async function render(main) {
  const state = { search: "", tenant: "", connectorId: "", enabled: "", matched: "", offset: 0, selected: null, checked: new Set() };
  const withTenant = showTenants();
  const cols = withTenant ? 9 : 8;
  const tenant = () => scopeTenant() || state.tenant;
  const search = h("input", { type: "search", id: "ep-search", placeholder: t("endpoints.searchPlaceholder"), "aria-label": t("endpoints.search") });
  const connectorSel = h("select", { id: "ep-connector", "aria-label": t("common.connector") }, h("option", { value: "" }, t("common.allConnectors")));
  const enabledSel = h("select", { id: "ep-enabled", "aria-label": t("endpoints.enabledFilter") }, h("option", { value: "" }, t("endpoints.enabledAll")),
    h("option", { value: "true" }, t("endpoints.enabled")), h("option", { value: "false" }, t("endpoints.disabled")));
  const matchedSel = h("select", { id: "ep-matched", "aria-label": t("endpoints.matchedFilter") }, h("option", { value: "" }, t("endpoints.matchedAll")),
    h("option", { value: "true" }, t("endpoints.matched")), h("option", { value: "false" }, t("endpoints.notMatched")));
  const checkAll = h("input", { type: "checkbox", "aria-label": t("endpoints.selectAll") });
  const tbody = h("tbody");
  const col = (key) => h("th", { scope: "col" }, t(key));
  const pagerText = h("span", { id: "ep-pager" });
  const prev = h("button.btn.small", { type: "button" }, t("common.previous"));
  const next = h("button.btn.small", { type: "button" }, t("common.next"));
  const enableSel = h("button.btn", { type: "button", disabled: true }, t("endpoints.enableSelected"));
  const disableSel = h("button.btn", { type: "button", disabled: true }, t("endpoints.disableSelected"));
  const rematch = h("button.btn", { type: "button", id: "ep-rematch" }, t("endpoints.rematch"));
  const detail = h("aside.panel", { id: "ep-detail", hidden: true, "aria-label": t("endpoints.details") });
  const split = h("div.split.closed",
    h("div.panel.flush",
      h("table.cards", { "aria-label": t("endpoints.table") },
        h("thead", h("tr", h("th", { scope: "col" }, checkAll), col("endpoints.user"), withTenant ? col("tenants.tenant") : null, col("endpoints.extension"), col("endpoints.teams"),
          col("endpoints.pbx"), col("endpoints.hubSets"), col("endpoints.warnings"), col("endpoints.sync"))),
        tbody),
      h("div.pager", pagerText, h("span.toolbar", prev, next))),
    detail);
  clear(
    main,
    h("div.page-head", h("div", h("h1", t("nav.endpoints")), h("p", t("endpoints.intro"))),
      h("div.toolbar", enableSel, disableSel, rematch)),
    h("div.filters", search, withTenant ? tenantFilter("ep-tenant", (v) => {
      state.tenant = v;
      state.connectorId = "";
      state.offset = 0;
      loadConnectors().then(load);
    }) : null, connectorSel, enabledSel, matchedSel),
    split,
  );

  /** The connector filter offers the connectors of the tenant shown. */
  async function loadConnectors() {
    clear(connectorSel, h("option", { value: "" }, t("common.allConnectors")));
    try {
      for (const c of await get(`/api/connectors${qs({ tenant: tenant() })}`)) connectorSel.append(h("option", { value: c.id }, c.name));
    } catch {
      // the list still works without the connector filter
    }
  }
  await loadConnectors();

  const rows = new Map();
  let page = { items: [], total: 0 };

  function row(ep) {
    const box = h("input", { type: "checkbox", "aria-label": t("endpoints.select", { name: ep.displayName }), checked: state.checked.has(ep.id) });
    box.addEventListener("click", (e) => e.stopPropagation());
    box.addEventListener("change", () => {
      if (box.checked) state.checked.add(ep.id);
      else state.checked.delete(ep.id);
      enableSel.disabled = disableSel.disabled = state.checked.size === 0;
    });
    const toggle = h("input", { type: "checkbox", checked: ep.enabled, "aria-label": t("endpoints.synchronize", { name: ep.displayName }) });
    toggle.addEventListener("click", (e) => e.stopPropagation());
    toggle.addEventListener("change", async () => {
      try {
        await patch(`/api/endpoints/${encodeURIComponent(ep.id)}`, { enabled: toggle.checked });
      } catch (e) {
        toggle.checked = !toggle.checked;
        toast(e.message, "error");
      }
    });
    const tr = h(
      "tr",
      { dataset: { endpointId: ep.id, email: ep.email, tenant: ep.tenant }, tabindex: 0, class: state.selected === ep.id ? "selected" : "" },
      h("td.check-cell", box),
      cell("td.user-cell", t("endpoints.user"), h("strong", ep.displayName), h("div.small.muted.wrap", ep.email || t("endpoints.noEmail"))),
      withTenant ? cell("td.tenant-cell", t("tenants.tenant"), tenantName(ep.tenant)) : null,
      cell("td.mono", t("endpoints.extension"), ep.h323, ep.e164 ? h("div.small.muted", ep.e164) : null),
      cell("td.teams-cell", t("endpoints.teams"), teamsCell(ep)),
      cell("td.pbx-cell", t("endpoints.pbx"), pbxCell(ep)),
      cell("td.hub-cell", t("endpoints.hubSets"), hubCell(ep)),
      (ep.warnings || []).length
        ? cell("td", t("endpoints.warnings"), ep.warnings.map((w) => h("span.pill.warn", { title: w.message }, w.message)))
        : h("td.none"),
      cell("td.sync-cell", t("endpoints.sync"), toggle),
    );
    tr.addEventListener("click", () => select(ep.id));
    tr.addEventListener("keydown", (e) => {
      if (e.key === "Enter") select(ep.id);
    });
    return tr;
  }

  let detailTimer = null;
  function onEndpoint(msg) {
    const ep = msg.endpoint;
    const shown = page?.items.find((x) => x.id === ep.id);
    const old = rows.get(ep.id);
    if (old && !(shown && ep.updatedAt < shown.updatedAt)) {
      const tr = row(ep);
      tr.classList.add("flash");
      old.replaceWith(tr);
      rows.set(ep.id, tr);
      if (shown) Object.assign(shown, ep);
    }
    if (state.selected === ep.id) {
      clearTimeout(detailTimer);
      detailTimer = setTimeout(drawDetail, 300);
    }
  }

  // A newer search during a load runs one more load with the latest filters; see liveList for live updates.
  const live = liveList("endpoint", async () => {
    const q = { tenant: tenant(), search: state.search, connectorId: state.connectorId, enabled: state.enabled, matched: state.matched, offset: state.offset, limit: PAGE };
    try {
      const res = await get(`/api/endpoints${qs(q)}`);
      page = res;
    } catch (e) {
      clear(tbody, h("tr", h("td", { colspan: cols }, errorNote(e))));
      return;
    }
    rows.clear();
    clear(tbody);
    if (page.items.length === 0) tbody.append(h("tr", h("td.empty", { colspan: cols }, state.search ? t("endpoints.noMatch") : t("endpoints.empty"))));
    for (const ep of page.items) {
      const tr = row(ep);
      rows.set(ep.id, tr);
      tbody.append(tr);
    }
    const from = page.total === 0 ? 0 : page.offset + 1;
    pagerText.textContent = t("endpoints.pager", { from, to: page.offset + page.items.length, total: page.total });
    prev.disabled = page.offset === 0;
    next.disabled = page.offset + page.items.length >= page.total;
    checkAll.checked = false;
  }, onEndpoint);
  const load = live.load;

  let timer = null;
  search.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      state.search = search.value.trim();
      state.offset = 0;
      load();
    }, 250);
  });
  for (const [sel, key] of [[connectorSel, "connectorId"], [enabledSel, "enabled"], [matchedSel, "matched"]]) {
    sel.addEventListener("change", () => {
      state[key] = sel.value;
      state.offset = 0;
      load();
    });
  }
  prev.addEventListener("click", () => {
    state.offset = Math.max(0, state.offset - PAGE);
    load();
  });
  next.addEventListener("click", () => {
    state.offset += PAGE;
    load();
  });
  checkAll.addEventListener("change", () => {
    for (const ep of page.items) {
      if (checkAll.checked) state.checked.add(ep.id);
      else state.checked.delete(ep.id);
    }
    for (const tr of rows.values()) tr.querySelector("input").checked = checkAll.checked;
    enableSel.disabled = disableSel.disabled = state.checked.size === 0;
  });
  for (const [btn, enabled] of [[enableSel, true], [disableSel, false]]) {
    btn.addEventListener("click", async () => {
      try {
        const r = await post("/api/endpoints/bulk-enable", { enabled, ids: [...state.checked] });
        toast(t(enabled ? "endpoints.enabledCount" : "endpoints.disabledCount", { count: r.updated }), "ok");
        state.checked.clear();
        enableSel.disabled = disableSel.disabled = true;
        await load();
      } catch (e) {
        toast(e.message, "error");
      }
    });
  }
  rematch.addEventListener("click", async () => {
    try {
      // One tenant shown (and no connector chosen): its connectors one by one, not every tenant's endpoints.
      const ids = state.connectorId ? [state.connectorId] : tenant() ? [...connectorSel.options].map((o) => o.value).filter(Boolean) : [null];
      const r = { matched: 0, unmatched: 0, changed: 0 };
      for (const id of ids) {
        const one = await post("/api/endpoints/rematch", id ? { connectorId: id } : {});
        for (const k of Object.keys(r)) r[k] += one[k] ?? 0;
      }
      toast(t("endpoints.rematched", { matched: r.matched, unmatched: r.unmatched, changed: r.changed }), "ok");
      await load();
    } catch (e) {
      toast(e.message, "error");
    }
  });

  let lastRow = null;
  function closeDetail() {
    state.selected = null;
    detail.hidden = true;
    split.classList.remove("open");
    split.classList.add("closed");
    for (const tr of rows.values()) tr.classList.remove("selected");
    lastRow?.focus();
  }

  async function select(id) {
    state.selected = id;
    lastRow = rows.get(id) ?? null;
    for (const [rid, tr] of rows) tr.classList.toggle("selected", rid === id);
    split.classList.remove("closed");
    split.classList.add("open");
    detail.hidden = false;
    if (await drawDetail()) detail.querySelector("h2")?.focus({ preventScroll: true });
  }

  function drawDetail() {
    const id = state.selected;
    if (!id) return false;
    return renderDetail(detail, id, {
      changed: () => Promise.all([drawDetail(), load()]),
      onClose: closeDetail,
      isCurrent: () => state.selected === id,
    });
  }

  await load();
  return () => {
    live.off();
    clearTimeout(timer);
    clearTimeout(detailTimer);
  };
}
