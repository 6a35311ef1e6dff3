// PBX Connectors page: the connectors table (cards on small screens) with the Status column and Configure
// / Info / Edit / Delete per row, Add Pbx, and Refresh with feedback (busy button, "Reconnecting…" and the
// result as toasts). Status changes arrive live over SSE. The dialogs are in connector-dialogs.js, the
// connector types and vendor modules in connector-types.js. Lists the top bar's tenant's connectors; with
// all tenants (and more than one) a Tenant column and a tenant filter.
import { del, get, post, qs } from "../api.js";
import { addressOf } from "../config-form.js";
import { busy, cell, clear, confirmDialog, errorNote, h, statusBadge, toast } from "../dom.js";
import { t } from "../i18n.js";
import { liveList } from "../live.js";
import { scopeTenant, showTenants, tenantFilter, tenantName } from "../scope.js";
import { addDialog, configureDialog, editDialog, infoDialog } from "./connector-dialogs.js";
import { loadTypes, moduleFor, typeTitle } from "./connector-types.js";

export const titleKey = "nav.connectors";

export async function render(main) {
  const withTenant = showTenants();
  const cols = withTenant ? 7 : 6;
  /** The page's own tenant filter (all tenants in the top bar); "" = every tenant. */
  let pageTenant = "";
  const tenant = () => scopeTenant() || pageTenant;
  const tbody = h("tbody");
  const col = (key) => h("th", { scope: "col" }, t(key));
  const table = h(
    "table.cards",
    { "aria-label": t("connectors.table") },
    h("thead", h("tr", col("connectors.name"), withTenant ? col("tenants.tenant") : null, col("connectors.type"), col("connectors.server"),
      col("connectors.status"), col("connectors.users"), h("th", { scope: "col" }, h("span.sr", t("common.actions"))))),
    tbody,
  );
  const filter = withTenant
    ? h("div.filters", tenantFilter("cn-tenant", (v) => {
        pageTenant = v;
        reload();
      }))
    : null;
  const refreshBtn = h("button.btn", { type: "button", id: "cn-refresh", title: t("connectors.refreshHint") }, t("connectors.refresh"));
  const addBtn = h("button.btn.primary", { type: "button", id: "cn-add" }, t("connectors.add"));
  clear(
    main,
    h("div.page-head", h("div", h("h1", t("nav.connectors")), h("p", t("connectors.intro"))), h("div.toolbar", refreshBtn, addBtn)),
    filter,
    h("div.panel.flush", table),
  );

  const rows = new Map();
  let list = [];

  function row(c) {
    const server = addressOf(moduleFor(c.type), c.config || {});
    const users = c.counts?.users ?? 0;
    return h(
      "tr",
      { dataset: { connectorId: c.id, name: c.name, tenant: c.tenant } },
      cell("td.name-cell", t("connectors.name"), h("strong", c.name), c.description ? h("div.muted.small", c.description) : null,
        c.enabled ? null : h("span.pill", t("connectors.disabled"))),
      withTenant ? cell("td.tenant-cell", t("tenants.tenant"), tenantName(c.tenant)) : null,
      cell("td", t("connectors.type"), typeTitle(c.type), h("div.muted.small.mono", c.type)),
      cell("td.mono.wrap", t("connectors.server"), server === "not configured" ? t("connectors.notConfigured") : server),
      cell("td.status-cell", t("connectors.status"), statusBadge(c.status)),
      cell("td", t("connectors.users"), t("connectors.userCount", { count: users }),
        h("div.muted.small", t("connectors.matched", { count: c.counts?.matchedEndpoints ?? 0 }))),
      h(
        "td.actions",
        h("button.btn.small", { type: "button", onclick: () => configureDialog(c, reload) }, t("connectors.configure")),
        h("button.btn.small", { type: "button", onclick: () => infoDialog(c) }, t("connectors.info")),
        h("button.btn.small", { type: "button", onclick: () => editDialog(c, reload) }, t("connectors.edit")),
        h("button.btn.small.danger", { type: "button", onclick: () => remove(c) }, t("common.delete")),
      ),
    );
  }

  function draw() {
    rows.clear();
    if (list.length === 0) {
      clear(tbody, h("tr", h("td.empty", { colspan: cols }, t(tenant() ? "connectors.emptyTenant" : "connectors.empty"))));
      return;
    }
    clear(tbody);
    for (const c of list) {
      const tr = row(c);
      rows.set(c.id, tr);
      tbody.append(tr);
    }
  }

  const live = liveList(
    "connector",
    async () => {
      try {
        list = await get(`/api/connectors${qs({ tenant: tenant() })}`);
        draw();
      } catch (e) {
        clear(tbody, h("tr", h("td", { colspan: cols }, errorNote(e))));
      }
    },
    (msg) => {
      const c = msg.connector;
      if (tenant() && c.tenant !== tenant()) return; // another tenant's
      const i = list.findIndex((x) => x.id === c.id);
      if (i < 0) return void reload();
      if ((c.status?.since ?? "") < (list[i].status?.since ?? "")) return; // older than the row shows
      list[i] = c;
      const old = rows.get(c.id);
      if (old) {
        const tr = row(c);
        old.replaceWith(tr);
        rows.set(c.id, tr);
      }
    },
  );
  const reload = live.load;

  refreshBtn.addEventListener("click", () =>
    busy(refreshBtn, async () => {
      const stale = list.filter((c) => c.enabled && c.status?.state !== "online");
      toast(stale.length ? t("connectors.reconnecting", { count: stale.length }) : t("connectors.reloading"), "info", 2500);
      const results = await Promise.allSettled(stale.map((c) => post(`/api/connectors/${encodeURIComponent(c.id)}/refresh`)));
      await reload();
      const failed = results.filter((r) => r.status === "rejected");
      if (failed.length) toast(t("connectors.refreshFailed", { count: failed.length, message: failed[0].reason?.message ?? "" }), "error", 6000);
      else if (stale.length) {
        const online = list.filter((c) => stale.some((s) => s.id === c.id) && c.status?.state === "online").length;
        toast(t("connectors.reconnected", { count: stale.length, online }), online === stale.length ? "ok" : "info");
      } else toast(t("connectors.allOnline"), "ok");
    }),
  );
  addBtn.addEventListener("click", () => addDialog(reload, tenant()));

  async function remove(c) {
    const ok = await confirmDialog(t("connectors.deleteTitle", { name: c.name }), t("connectors.deleteText"));
    if (!ok) return;
    try {
      await del(`/api/connectors/${encodeURIComponent(c.id)}`);
      toast(t("connectors.deleted", { name: c.name }), "ok");
      await reload();
    } catch (e) {
      toast(e.message, "error");
    }
  }

  await loadTypes();
  await reload();
  return live.off;
}
