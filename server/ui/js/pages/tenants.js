// Tenants page (admins only): every tenant (customer) with its Microsoft 365 status, connectors online of
// all and endpoints matched of all (cards on small screens); Add tenant, Rename, Delete (after a
// confirmation that says the hub first undoes what it set for the tenant; the default tenant stays), Open
// (switches the top bar to the tenant) and a link to its Microsoft 365 settings. Statuses follow live.
import { del, patch, post } from "../api.js";
import { busy, cell, clear, confirmDialog, errorNote, field, h, modal, statusBadge, toast } from "../dom.js";
import { t } from "../i18n.js";
import { onLive } from "../live.js";
import { reloadTenants, scopeTenant, setScopeTenant } from "../scope.js";

export const titleKey = "nav.tenants";
export const adminOnly = true;

/** Name dialog for Add and Rename; `submit(name)` saves, throwing shows the error in the dialog. */
function nameDialog(title, { value = "", submitLabel, submit }) {
  const m = modal(title);
  const name = h("input", { id: "tn-name", name: "name", required: true, maxlength: 100, value, autocomplete: "off" });
  const msg = h("div", { "aria-live": "polite" });
  const save = h("button.btn.primary", { type: "submit", form: "tn-form", id: "tn-save" }, submitLabel);
  const form = h("form", { id: "tn-form", "aria-label": title }, field(t("tenants.name"), name, t("tenants.nameHint")));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    return busy(save, async () => {
      try {
        await submit(name.value.trim());
        m.close();
      } catch (ex) {
        clear(msg, errorNote(ex));
      }
    });
  });
  m.body.append(form);
  m.foot.append(msg, h("div.form-actions", h("button.btn", { type: "button", onclick: () => m.close() }, t("common.cancel")), save));
  name.focus();
  name.select();
}

function teamsCell(x) {
  if (!x.teams?.configured) return h("div.status", { dataset: { state: "unconfigured" } }, h("span.badge.idle", t("tenants.notSetUp")));
  return statusBadge({ state: x.teams.state, reason: x.teams.reason });
}

export async function render(main) {
  const tbody = h("tbody");
  const col = (key) => h("th", { scope: "col" }, t(key));
  const addBtn = h("button.btn.primary", { type: "button", id: "tn-add" }, t("tenants.add"));
  clear(
    main,
    h("div.page-head", h("div", h("h1", t("nav.tenants")), h("p", t("tenants.intro"))), h("div.toolbar", addBtn)),
    h("div.panel.flush",
      h("table.cards", { "aria-label": t("tenants.table") },
        h("thead", h("tr", col("tenants.name"), col("nav.microsoft365"), col("nav.connectors"), col("nav.endpoints"),
          h("th", { scope: "col" }, h("span.sr", t("common.actions"))))),
        tbody)),
  );

  function row(x) {
    const c = x.counts ?? {};
    const delBtn = x.id === "default" ? null : h("button.btn.small.danger", { type: "button", onclick: () => remove(x, delBtn) }, t("common.delete"));
    return h(
      "tr",
      { dataset: { tenantId: x.id, name: x.name } },
      cell("td.name-cell", t("tenants.name"), h("strong", x.name), " ", x.id === "default" ? h("span.pill", t("tenants.defaultPill")) : null,
        h("div.muted.small.mono", x.id)),
      cell("td.m365-cell", t("nav.microsoft365"), teamsCell(x),
        h("a.small", { href: `#/microsoft365?tenant=${encodeURIComponent(x.id)}` }, t(x.teams?.configured ? "tenants.m365Open" : "tenants.m365SetUp"))),
      cell("td.connectors-cell", t("nav.connectors"), t("tenants.connectorsOnline", { online: c.connectorsOnline ?? 0, count: c.connectors ?? 0 })),
      cell("td.endpoints-cell", t("nav.endpoints"), t("tenants.endpointsMatched", { matched: c.matchedEndpoints ?? 0, count: c.endpoints ?? 0 })),
      h(
        "td.actions",
        h("button.btn.small", { type: "button", title: t("tenants.openHint", { name: x.name }), onclick: () => open(x) }, t("tenants.open")),
        h("button.btn.small", { type: "button", onclick: () => rename(x) }, t("tenants.rename")),
        delBtn,
      ),
    );
  }

  let loading = null;
  async function load() {
    if (loading) return loading;
    loading = (async () => {
      try {
        const list = await reloadTenants();
        clear(tbody, list.length ? list.map(row) : h("tr", h("td.empty", { colspan: 5 }, t("tenants.empty"))));
      } catch (e) {
        clear(tbody, h("tr", h("td", { colspan: 5 }, errorNote(e))));
      }
    })().finally(() => {
      loading = null;
    });
    return loading;
  }

  function open(x) {
    setScopeTenant(x.id, { quiet: true });
    location.hash = "#/connectors";
  }

  addBtn.addEventListener("click", () =>
    nameDialog(t("tenants.addTitle"), {
      submitLabel: t("add.submit"),
      submit: async (name) => {
        const x = await post("/api/tenants", { name });
        toast(t("tenants.added", { name: x.name }), "ok");
        await load();
      },
    }),
  );

  function rename(x) {
    nameDialog(t("tenants.renameTitle", { name: x.name }), {
      value: x.name,
      submitLabel: t("common.save"),
      submit: async (name) => {
        await patch(`/api/tenants/${encodeURIComponent(x.id)}`, { name });
        toast(t("tenants.renamed", { name }), "ok");
        await load();
      },
    });
  }

  async function remove(x, btn) {
    const ok = await confirmDialog(t("tenants.deleteTitle", { name: x.name }), t("tenants.deleteText"));
    if (!ok) return;
    await busy(btn, async () => {
      toast(t("tenants.deleting", { name: x.name }), "info", 2500);
      try {
        await del(`/api/tenants/${encodeURIComponent(x.id)}`);
        if (scopeTenant() === x.id) setScopeTenant("", { quiet: true });
        toast(t("tenants.deleted", { name: x.name }), "ok");
      } catch (e) {
        toast(e.message, "error", 6000);
      }
    });
    await load();
  }

  // Connector and Microsoft 365 status changes change the counts and badges: re-read, at most once a second.
  let timer = null;
  const later = () => {
    clearTimeout(timer);
    timer = setTimeout(load, 1000);
  };
  const offs = [onLive("connector", later), onLive("teams", later)];
  await load();
  return () => {
    clearTimeout(timer);
    for (const off of offs) off();
  };
}
