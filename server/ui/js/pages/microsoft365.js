// Microsoft 365 page: tenant, app registration (client id + write-only secret), authority and Graph URLs,
// webhook base URL, polling interval, Test (green/red with steps), Save, directory refresh, and the
// service-account sign-in that enables presence subscriptions.
import { del, get, post, put } from "../api.js";
import { clear, errorNote, field, fmtTime, h, statusBadge, testResultNote, toast } from "../dom.js";
import { onLive } from "../live.js";

export const title = "Microsoft 365";

export async function render(main) {
  const statusBox = h("div", { id: "teams-status" });
  const body = h("div");
  clear(
    main,
    h("div.page-head", h("div", h("h1", "Microsoft 365"), h("p", "The Entra ID app registration the hub uses to read and set Teams presence.")), statusBox),
    body,
  );
  let view;
  try {
    view = await get("/api/teams");
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
    tenantId: h("input", { id: "m365-tenant", value: view.tenantId || "", placeholder: "contoso.onmicrosoft.com or tenant GUID", autocomplete: "off" }),
    clientId: h("input", { id: "m365-client-id", value: view.clientId || "", placeholder: "00000000-0000-0000-0000-000000000000", autocomplete: "off" }),
    clientSecret: h("input", { id: "m365-client-secret", type: "password", autocomplete: "new-password",
      placeholder: view.clientSecretSet ? "•••••••• stored — leave empty to keep" : "" }),
    authorityUrl: h("input", { id: "m365-authority", value: view.authorityUrl || "https://login.microsoftonline.com" }),
    graphUrl: h("input", { id: "m365-graph", value: view.graphUrl || "https://graph.microsoft.com" }),
    webhookBaseUrl: h("input", { id: "m365-webhook", value: view.webhookBaseUrl || "", placeholder: "https://hub.example.com (empty = polling)" }),
    pollIntervalSeconds: h("input", { id: "m365-poll", type: "number", min: 5, max: 3600, value: view.pollIntervalSeconds || 30 }),
    caPem: h("textarea", { id: "m365-ca", placeholder: "-----BEGIN CERTIFICATE----- (only for a private authority / Graph endpoint)" }),
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
  const testBtn = h("button.btn", { type: "button", id: "m365-test" }, "Test");
  const form = h(
    "form.grid",
    { "aria-label": "Microsoft 365 settings" },
    field("Tenant", f.tenantId, "Directory (tenant) ID or domain"),
    field("Client ID", f.clientId, "Application (client) ID of the app registration"),
    field("Client secret", f.clientSecret, "Stored encrypted; never shown again"),
    field("Polling interval (seconds)", f.pollIntervalSeconds, "Used when change notifications are not available"),
    field("Authority URL", f.authorityUrl),
    field("Graph URL", f.graphUrl),
    h("div.full", field("Webhook base URL", f.webhookBaseUrl, "Public HTTPS address Microsoft Graph posts change notifications to")),
    h("div.full", field("Custom CA (PEM)", f.caPem)),
    h("label.check.full", f.enabled, "Synchronize with Microsoft Teams"),
    h("div.full.form-actions", testBtn, h("span.spacer"), h("button.btn.primary", { type: "submit", id: "m365-save" }, "Save")),
    h("div.full", result),
  );
  testBtn.addEventListener("click", async () => {
    testBtn.disabled = true;
    clear(result, h("div.note", "Testing…"));
    try {
      clear(result, testResultNote(await post("/api/teams/test", input())));
    } catch (e) {
      clear(result, errorNote(e));
    } finally {
      testBtn.disabled = false;
    }
  });
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      view = await put("/api/teams", input());
      f.clientSecret.value = "";
      f.clientSecret.placeholder = view.clientSecretSet ? "•••••••• stored — leave empty to keep" : "";
      showStatus(view.status);
      drawAccounts();
      toast("Microsoft 365 settings saved", "ok");
    } catch (ex) {
      clear(result, errorNote(ex));
    }
  });

  const accounts = h("div");
  function drawAccounts() {
    const list = view.serviceAccounts || [];
    clear(
      accounts,
      list.length === 0
        ? h("p.muted", "No service account signed in: the hub polls presence instead of subscribing to changes.")
        : h(
            "table",
            { "aria-label": "Service accounts" },
            h("thead", h("tr", h("th", { scope: "col" }, "Account"), h("th", { scope: "col" }, "Status"), h("th", { scope: "col" }, "Added"), h("th", { scope: "col" }, h("span.sr", "Actions")))),
            h(
              "tbody",
              list.map((a) =>
                h(
                  "tr",
                  h("td", a.upn),
                  h("td", h(`span.badge.${a.status === "active" ? "ok" : a.status === "error" ? "error" : "warn"}`, a.status.replace(/_/g, " ")),
                    a.reason ? h("span.reason", a.reason) : null),
                  h("td.small", fmtTime(a.addedAt)),
                  h("td.actions", h("button.btn.small.danger", { type: "button", onclick: async () => {
                    await del(`/api/teams/service-accounts/${encodeURIComponent(a.id)}`);
                    view = await get("/api/teams");
                    drawAccounts();
                  } }, "Remove")),
                ),
              ),
            ),
          ),
    );
  }
  drawAccounts();
  const refreshBtn = h("button.btn", { type: "button", id: "m365-refresh" }, "Refresh directory");
  refreshBtn.addEventListener("click", async () => {
    refreshBtn.disabled = true;
    try {
      view = await post("/api/teams/refresh");
      showStatus(view.status);
      toast("Directory re-read and endpoints re-matched", "ok");
    } catch (e) {
      toast(e.message, "error");
    } finally {
      refreshBtn.disabled = false;
    }
  });

  const signin = new URLSearchParams(location.hash.split("?")[1] || "").get("signin");
  if (signin) {
    const ok = signin.startsWith("ok:");
    toast(ok ? `Signed in ${signin.slice(3)}` : `Sign-in failed: ${signin.replace(/^error:/, "")}`, ok ? "ok" : "error", 8000);
    history.replaceState(null, "", "#/microsoft365");
  }

  body.append(
    h("div.panel", h("h2", "App registration"), form),
    h(
      "div.panel",
      h("div.page-head", h("div", h("h2", "Service account"), h("p.small.muted",
        "Graph allows presence subscriptions only with a signed-in user. Sign in a dedicated account with read access to presence.")),
        h("div.toolbar", refreshBtn, h("a.btn.primary", { href: "/api/teams/service-accounts/sign-in", id: "m365-signin" }, "Sign in service account"))),
      accounts,
    ),
  );
  return onLive("teams", (msg) => showStatus(msg.status));
}
