// Users page (admins only): the admin accounts (GET /api/users) with role, tenant and state, the hub's
// configured administrator marked as built-in (no actions); Add user (a tenant admin belongs to one
// tenant), Disable / Enable, Reset password and Delete — never for the built-in administrator, and none
// of them for the signed-in account itself: its password changes under "Your account" (with the current one).
import { openAccount, passwordInput } from "../account.js";
import { del, get, patch, post } from "../api.js";
import { busy, cell, clear, confirmDialog, errorNote, field, h, modal, toast } from "../dom.js";
import { label, t } from "../i18n.js";
import { scopeTenant, session, tenantList, tenantName } from "../scope.js";

export const titleKey = "nav.users";
export const adminOnly = true;

const isSelf = (u) => {
  const me = session();
  return me?.userId ? u.id === me.userId : u.builtIn && u.username === me?.user;
};

/** A dialog with one form; `submit()` saves (throwing shows the error in the dialog's foot). */
function formDialog(title, id, cells, { submitLabel, submit, focus }) {
  const m = modal(title);
  const msg = h("div", { "aria-live": "polite" });
  const save = h("button.btn.primary", { type: "submit", form: id, id: `${id}-save` }, submitLabel);
  const form = h("form.grid", { id, "aria-label": title }, cells);
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    return busy(save, async () => {
      try {
        if ((await submit((note) => clear(msg, note))) !== false) m.close();
      } catch (ex) {
        clear(msg, errorNote(ex));
      }
    });
  });
  m.body.append(form);
  m.foot.append(msg, h("div.form-actions", h("button.btn", { type: "button", onclick: () => m.close() }, t("common.cancel")), save));
  focus?.focus();
}

export async function render(main) {
  const tbody = h("tbody");
  const col = (key) => h("th", { scope: "col" }, t(key));
  const addBtn = h("button.btn.primary", { type: "button", id: "us-add" }, t("users.add"));
  clear(
    main,
    h("div.page-head", h("div", h("h1", t("nav.users")), h("p", t("users.intro"))), h("div.toolbar", addBtn)),
    h("div.panel.flush",
      h("table.cards", { "aria-label": t("users.table") },
        h("thead", h("tr", col("users.username"), col("users.role"), col("tenants.tenant"), col("users.state"),
          h("th", { scope: "col" }, h("span.sr", t("common.actions"))))),
        tbody)),
  );

  function actions(u) {
    if (u.builtIn) return h("td.actions.none");
    if (isSelf(u)) return h("td.actions", h("button.btn.small", { type: "button", onclick: () => openAccount() }, t("account.change")));
    const toggle = h("button.btn.small", { type: "button", onclick: () => setDisabled(u, !u.disabled, toggle) },
      t(u.disabled ? "users.enable" : "users.disable"));
    return h(
      "td.actions",
      toggle,
      h("button.btn.small", { type: "button", onclick: () => resetPassword(u) }, t("users.resetPassword")),
      h("button.btn.small.danger", { type: "button", onclick: () => remove(u) }, t("common.delete")),
    );
  }

  function row(u) {
    return h(
      "tr",
      { dataset: { userId: u.id, username: u.username, role: u.role, disabled: String(Boolean(u.disabled)) } },
      cell("td.name-cell", t("users.username"), h("strong.wrap", u.username), " ",
        u.builtIn ? h("span.pill.hub", { title: t("users.builtInHint") }, t("users.builtIn")) : null,
        isSelf(u) ? h("span.pill", t("users.you")) : null),
      cell("td", t("users.role"), label("role", u.role)),
      cell("td.tenant-cell", t("tenants.tenant"), u.role === "tenant-admin" ? tenantName(u.tenant) : t("tenants.all")),
      cell("td.state-cell", t("users.state"), h(`span.badge.${u.disabled ? "offline" : "online"}`, t(u.disabled ? "users.disabled" : "users.active"))),
      actions(u),
    );
  }

  async function load() {
    try {
      const list = await get("/api/users");
      clear(tbody, list.length ? list.map(row) : h("tr", h("td.empty", { colspan: 5 }, t("users.empty"))));
    } catch (e) {
      clear(tbody, h("tr", h("td", { colspan: 5 }, errorNote(e))));
    }
  }

  function tenantSelect(id, value) {
    const sel = h("select", { id, required: true }, tenantList().map((x) => h("option", { value: x.id }, x.name)));
    sel.value = value || scopeTenant() || tenantList()[0]?.id || "default";
    return sel;
  }

  addBtn.addEventListener("click", () => {
    const username = h("input", { id: "us-username", required: true, maxlength: 100, pattern: "\\S+", autocomplete: "off" });
    const password = passwordInput("us-password");
    const role = h("select", { id: "us-role" }, ["tenant-admin", "admin"].map((r) => h("option", { value: r }, label("role", r))));
    const tenant = tenantSelect("us-tenant");
    const tenantField = h("div", field(t("tenants.tenant"), tenant, t("users.tenantHint")));
    const roleHint = h("p.small.muted.full", { id: "us-role-hint" });
    const showRole = () => {
      tenantField.hidden = role.value !== "tenant-admin";
      tenant.disabled = tenantField.hidden;
      roleHint.textContent = t(role.value === "admin" ? "users.adminHint" : "users.tenantAdminHint");
    };
    role.addEventListener("change", showRole);
    showRole();
    formDialog(t("users.addTitle"), "us-form", [
      field(t("users.username"), username),
      field(t("users.password"), password, t("users.passwordHint")),
      field(t("users.role"), role),
      tenantField,
      roleHint,
    ], {
      submitLabel: t("add.submit"),
      focus: username,
      submit: async () => {
        const body = { username: username.value.trim(), password: password.value, role: role.value };
        if (role.value === "tenant-admin") body.tenant = tenant.value;
        const u = await post("/api/users", body);
        toast(t("users.added", { name: u.username }), "ok");
        await load();
      },
    });
  });

  function resetPassword(u) {
    const password = passwordInput("us-new-password");
    const repeat = passwordInput("us-repeat-password");
    formDialog(t("users.resetTitle", { name: u.username }), "us-reset", [
      field(t("account.new"), password, t("users.passwordHint")),
      field(t("account.repeat"), repeat),
    ], {
      submitLabel: t("users.resetPassword"),
      focus: password,
      submit: async (show) => {
        if (password.value !== repeat.value) {
          show(h("div.note.error", { role: "alert" }, t("account.mismatch")));
          return false;
        }
        await patch(`/api/users/${encodeURIComponent(u.id)}`, { password: password.value });
        toast(t("users.passwordReset", { name: u.username }), "ok");
      },
    });
  }

  async function setDisabled(u, disabled, btn) {
    await busy(btn, async () => {
      try {
        await patch(`/api/users/${encodeURIComponent(u.id)}`, { disabled });
        toast(t(disabled ? "users.disabledToast" : "users.enabledToast", { name: u.username }), "ok");
      } catch (e) {
        toast(e.message, "error");
      }
    });
    await load();
  }

  async function remove(u) {
    if (!(await confirmDialog(t("users.deleteTitle", { name: u.username }), t("users.deleteText")))) return;
    try {
      await del(`/api/users/${encodeURIComponent(u.id)}`);
      toast(t("users.deleted", { name: u.username }), "ok");
    } catch (e) {
      toast(e.message, "error");
    }
    await load();
  }

  await load();
}
