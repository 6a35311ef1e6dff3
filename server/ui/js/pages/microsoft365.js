// Microsoft 365 page: tenant, app registration (client id + write-only secret), authority and Graph URLs,
// webhook base URL, polling interval, Test (green/red with steps), Save, directory refresh, and the
// service-account sign-in that enables presence subscriptions. Each tenant has its own settings
// (/api/tenants/:tenant/teams): the top bar's tenant's are shown (the default tenant's while all are
// selected), an admin can choose another here, and `#/microsoft365?tenant=<id>` (the sign-in callback,
// the Tenants page) selects one.
import { del, get, post, put } from "../api.js";
import { busy, cell, clear, errorNote, field, h, statusBadge, testResultNote, toast } from "../dom.js";
import { fmtTime, label, t } from "../i18n.js";
import { onLive } from "../live.js";
import { isAdmin, scopeTenant, setScopeTenant, teamsBase, tenantList, tenantName } from "../scope.js";

export const titleKey = "nav.microsoft365";

/** The tenant to show: the link's (an admin's switcher follows it), else the top bar's, else the default. */
function chooseTenant(params) {
  const asked = params.get("tenant");
  if (isAdmin() && asked && tenantList().some((x) => x.id === asked)) {
    setScopeTenant(asked, { quiet: true });
    return asked;
  }
  return scopeTenant() || "default";
}

export async function render(main) {
  const params = new URLSearchParams(location.hash.split("?")[1] || "");
  const tenant = chooseTenant(params);
  const base = teamsBase(tenant);
  const statusBox = h("div", { id: "teams-status" });
  const body = h("div");
  const several = tenantList().length > 1;
  let chooser = null;
  if (isAdmin() && several) {
    chooser = h("select", { id: "m365-tenant-choice", "aria-label": t("m365.tenantChoice") }, tenantList().map((x) => h("option", { value: x.id }, x.name)));
    chooser.value = tenant;
    chooser.addEventListener("change", () => setScopeTenant(chooser.value));
  }
  clear(
    main,
    h("div.page-head",
      h("div", h("h1", t("nav.microsoft365")), h("p", t("m365.intro")),
        several || !isAdmin() ? h("p", { id: "m365-for" }, t("m365.forTenant", { name: tenantName(tenant) })) : null),
      h("div.toolbar", chooser, statusBox)),
    body,
  );
  let view;
  try {
    view = await get(base);
  } catch (e) {
    body.append(errorNote(e));
    return;
  }
  // Responses and live messages can arrive out of order: never replace a status with an older one.
  let shownSince = "";
  const showStatus = (st) => {
    if (!st || (st.since ?? "") < shownSince) return;
    shownSince = st.since ?? shownSince;
    clear(statusBox, statusBadge(st));
  };
  showStatus(view.status);

  const f = {
    tenantId: h("input", { id: "m365-tenant", value: view.tenantId || "", placeholder: t("m365.tenantPlaceholder"), autocomplete: "off" }),
    clientId: h("input", { id: "m365-client-id", value: view.clientId || "", placeholder: "00000000-0000-0000-0000-000000000000", autocomplete: "off" }),
    clientSecret: h("input", { id: "m365-client-secret", type: "password", autocomplete: "new-password",
      placeholder: view.clientSecretSet ? t("form.storedSecret") : "" }),
    authorityUrl: h("input", { id: "m365-authority", value: view.authorityUrl || "https://login.microsoftonline.com" }),
    graphUrl: h("input", { id: "m365-graph", value: view.graphUrl || "https://graph.microsoft.com" }),
    webhookBaseUrl: h("input", { id: "m365-webhook", value: view.webhookBaseUrl || "", placeholder: t("m365.webhookPlaceholder") }),
    pollIntervalSeconds: h("input", { id: "m365-poll", type: "number", min: 5, max: 3600, value: view.pollIntervalSeconds || 30 }),
    caPem: h("textarea", { id: "m365-ca", placeholder: t("m365.caPlaceholder") }),
    enabled: h("input", { id: "m365-enabled", type: "checkbox", checked: view.enabled !== false }),
  };
  f.caPem.value = view.caPem || "";
  const input = () => {
    const v = {
      tenantId: f.tenantId.value.trim(),
      clientId: f.clientId.value.trim(),
      authorityUrl: f.authorityUrl.value.trim(),
      graphUrl: f.graphUrl.value.trim(),
      webhookBaseUrl: f.webhookBaseUrl.value.trim() || null,
      pollIntervalSeconds: Number(f.pollIntervalSeconds.value),
      caPem: f.caPem.value.trim() || null,
      enabled: f.enabled.checked,
    };
    if (f.clientSecret.value !== "") v.clientSecret = f.clientSecret.value;
    return v;
  };
  const result = h("div", { id: "m365-result", "aria-live": "polite" });
  const testBtn = h("button.btn", { type: "button", id: "m365-test" }, t("common.test"));
  const form = h(
    "form.grid",
    { "aria-label": t("m365.form") },
    field(t("m365.tenant"), f.tenantId, t("m365.tenantHint")),
    field(t("m365.clientId"), f.clientId, t("m365.clientIdHint")),
    field(t("m365.clientSecret"), f.clientSecret, t("m365.clientSecretHint")),
    field(t("m365.poll"), f.pollIntervalSeconds, t("m365.pollHint")),
    field(t("m365.authority"), f.authorityUrl),
    field(t("m365.graph"), f.graphUrl),
    h("div.full", field(t("m365.webhook"), f.webhookBaseUrl, t("m365.webhookHint"))),
    h("div.full", field(t("m365.ca"), f.caPem)),
    h("label.check.full", f.enabled, t("m365.enabled")),
    h("div.full.form-actions", testBtn, h("span.spacer"), h("button.btn.primary", { type: "submit", id: "m365-save" }, t("common.save"))),
    h("div.full", result),
  );
  const show = (note) => {
    clear(result, note);
    result.scrollIntoView({ block: "nearest" });
  };
  testBtn.addEventListener("click", () =>
    busy(testBtn, async () => {
      clear(result, h("div.note", { "aria-busy": "true" }, t("test.running")));
      try {
        show(testResultNote(await post(`${base}/test`, input()), "m365-steps"));
      } catch (e) {
        show(errorNote(e));
      }
    }),
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      view = await put(base, input());
      f.clientSecret.value = "";
      f.clientSecret.placeholder = view.clientSecretSet ? t("form.storedSecret") : "";
      showStatus(view.status);
      drawAccounts();
      toast(t("m365.saved"), "ok");
    } catch (ex) {
      show(errorNote(ex));
    }
  });

  const accounts = h("div");
  function drawAccounts() {
    const list = view.serviceAccounts || [];
    clear(
      accounts,
      list.length === 0
        ? h("p.muted", t("m365.noAccount"))
        : h(
            "table.cards",
            { "aria-label": t("m365.accounts") },
            h("thead", h("tr", h("th", { scope: "col" }, t("m365.account")), h("th", { scope: "col" }, t("connectors.status")),
              h("th", { scope: "col" }, t("m365.added")), h("th", { scope: "col" }, h("span.sr", t("common.actions"))))),
            h(
              "tbody",
              list.map((a) =>
                h(
                  "tr",
                  cell("td.wrap", t("m365.account"), a.upn),
                  cell("td", t("connectors.status"), h(`span.badge.${a.status === "active" ? "ok" : a.status === "error" ? "error" : "warn"}`, label("accountStatus", a.status)),
                    a.reason ? h("span.reason", a.reason) : null),
                  cell("td.small", t("m365.added"), fmtTime(a.addedAt)),
                  h("td.actions", h("button.btn.small.danger", { type: "button", onclick: async () => {
                    try {
                      await del(`${base}/service-accounts/${encodeURIComponent(a.id)}`);
                      view = await get(base);
                      drawAccounts();
                    } catch (e) {
                      toast(e.message, "error");
                    }
                  } }, t("m365.remove"))),
                ),
              ),
            ),
          ),
    );
  }
  drawAccounts();
  const refreshBtn = h("button.btn", { type: "button", id: "m365-refresh" }, t("m365.refresh"));
  refreshBtn.addEventListener("click", () =>
    busy(refreshBtn, async () => {
      toast(t("m365.refreshing"), "info", 2500);
      try {
        view = await post(`${base}/refresh`);
        showStatus(view.status);
        toast(t("m365.refreshed"), "ok");
      } catch (e) {
        toast(e.message, "error");
      }
    }),
  );

  const signin = params.get("signin");
  if (signin) {
    const ok = signin.startsWith("ok:");
    toast(ok ? t("m365.signedIn", { account: signin.slice(3) }) : t("m365.signInFailed", { message: signin.replace(/^error:/, "") }), ok ? "ok" : "error", 8000);
  }
  if (signin || params.has("tenant")) history.replaceState(null, "", "#/microsoft365");

  body.append(
    h("div.panel", h("h2", t("m365.app")), form),
    h(
      "div.panel",
      h("div.page-head", h("div", h("h2", t("m365.serviceAccount")), h("p.small.muted", t("m365.serviceAccountIntro"))),
        h("div.toolbar", refreshBtn, h("a.btn.primary", { href: `${base}/service-accounts/sign-in`, id: "m365-signin" }, t("m365.signIn")))),
      accounts,
    ),
  );
  return onLive("teams", (msg) => {
    if (msg.tenant === undefined || msg.tenant === tenant) showStatus(msg.status);
  });
}
