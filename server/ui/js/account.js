// "Your account" (the user name in the top bar): who is signed in, their role and tenant, and the own
// password change for stored accounts (POST /api/auth/password). The hub's configured administrator has no
// stored password to change here: the dialog says where it is set instead.
import { ApiError, post } from "./api.js";
import { busy, clear, errorNote, field, h, modal, toast } from "./dom.js";
import { label, t } from "./i18n.js";
import { isAdmin, scopeTenant, session, tenantName } from "./scope.js";

/** A new-password input: at least 12 characters, as the API demands. */
export function passwordInput(id, autocomplete = "new-password") {
  return h("input", { id, type: "password", autocomplete, required: true, minlength: 12, maxlength: 200 });
}

export function openAccount() {
  const me = session();
  if (!me) return;
  const m = modal(t("account.title"));
  m.body.append(
    h("dl.kv", { id: "account-info" },
      h("dt", t("users.username")), h("dd", me.user),
      h("dt", t("users.role")), h("dd", label("role", me.role)),
      h("dt", t("tenants.tenant")), h("dd", isAdmin() ? t("tenants.all") : tenantName(scopeTenant()))),
  );
  if (!me.userId) {
    m.body.append(h("div.note.warn", { id: "account-builtin" }, t(me.via === "token" ? "account.token" : "account.builtIn")));
    return;
  }
  const current = passwordInput("account-current", "current-password");
  const next = passwordInput("account-new");
  const repeat = passwordInput("account-repeat");
  const msg = h("div", { "aria-live": "polite" });
  const save = h("button.btn.primary", { type: "submit", form: "account-form", id: "account-save" }, t("account.change"));
  const form = h(
    "form.grid",
    { id: "account-form", "aria-label": t("account.passwordForm") },
    h("div.full", h("h2", t("account.password"))),
    h("div.full", field(t("account.current"), current)),
    field(t("account.new"), next, t("users.passwordHint")),
    field(t("account.repeat"), repeat),
  );
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    if (next.value !== repeat.value) {
      clear(msg, h("div.note.error", { role: "alert" }, t("account.mismatch")));
      return void repeat.focus();
    }
    return busy(save, async () => {
      try {
        await post("/api/auth/password", { currentPassword: current.value, newPassword: next.value });
        m.close();
        toast(t("account.changed"), "ok");
      } catch (ex) {
        const wrong = ex instanceof ApiError && (ex.status === 401 || ex.status === 403);
        clear(msg, wrong ? h("div.note.error", { role: "alert" }, t("account.wrongCurrent")) : errorNote(ex));
        if (wrong) current.select();
      }
    });
  });
  m.body.append(form);
  m.foot.append(msg, h("div.form-actions", h("button.btn", { type: "button", onclick: () => m.close() }, t("common.cancel")), save));
  current.focus();
}
