// The dialogs of the PBX Connectors page: Add Pbx (starts at "Choose a type"; the chosen type's mapping
// description below the combo), Configure (fields from the vendor module, config-form.js; Test shows a
// green/red notification in the dialog's fixed foot, always in view, with the step list), Edit, and
// Info (the type's rule matrix page in a frame, its times shown in local time). An admin with more than
// one tenant chooses the new connector's tenant (default: the top bar's); a tenant admin's is their own.
import { post, put, patch } from "../api.js";
import { configForm } from "../config-form.js";
import { busy, clear, errorNote, field, h, modal, testResultNote, toast } from "../dom.js";
import { fmtTime, lang, t } from "../i18n.js";
import { isAdmin, scopeTenant, tenantList } from "../scope.js";
import { choosableTypes, moduleFor, typeDescription, typeTitle } from "./connector-types.js";

/** `tenant`: the tenant to preselect (default: the top bar's, else the default tenant). */
export function addDialog(done, tenant) {
  const types = choosableTypes();
  const m = modal(t("add.title"));
  const typeSel = h(
    "select",
    { id: "add-type", name: "type", required: true, "aria-describedby": "add-type-desc" },
    h("option", { value: "", disabled: true, selected: true }, t("add.chooseType")),
    types.map((ty) => h("option", { value: ty.id }, typeTitle(ty.id))),
  );
  typeSel.value = "";
  const desc = h("p.type-desc", { id: "add-type-desc", "aria-live": "polite", hidden: true });
  const showDesc = () => {
    desc.textContent = typeSel.value ? typeDescription(typeSel.value) : "";
    desc.hidden = !desc.textContent;
  };
  typeSel.addEventListener("change", showDesc);
  const name = h("input", { id: "add-name", name: "name", required: true, maxlength: 100 });
  const description = h("input", { id: "add-description", name: "description", maxlength: 1000 });
  const msg = h("div", { "aria-live": "polite" });
  const tenants = tenantList();
  const tenantSel = isAdmin() && tenants.length > 1
    ? h("select", { id: "add-tenant", name: "tenant", required: true }, tenants.map((x) => h("option", { value: x.id }, x.name)))
    : null;
  if (tenantSel) tenantSel.value = tenant || scopeTenant() || "default";
  const form = h(
    "form.grid",
    { id: "add-form", "aria-label": t("add.title") },
    tenantSel ? h("div.full", field(t("tenants.tenant"), tenantSel, t("add.tenantHint"))) : null,
    h("div.full", field(t("add.type"), typeSel, t("add.typeHint")), desc),
    field(t("connectors.name"), name),
    field(t("add.description"), description),
  );
  if (types.length === 0) msg.append(h("div.note.warn", t("add.noTypes")));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    if (!typeSel.value) return void typeSel.reportValidity();
    try {
      const tenant = tenantSel ? tenantSel.value : scopeTenant() || undefined;
      const c = await post("/api/connectors", { type: typeSel.value, name: name.value.trim(), description: description.value.trim(), tenant });
      m.close();
      toast(t("add.added", { name: c.name }), "ok");
      await done();
      configureDialog(c, done);
    } catch (ex) {
      clear(msg, errorNote(ex));
    }
  });
  m.body.append(form);
  m.foot.append(
    msg,
    h("div.form-actions", h("button.btn", { type: "button", onclick: () => m.close() }, t("common.cancel")),
      h("button.btn.primary", { type: "submit", form: "add-form" }, t("add.submit"))),
  );
  typeSel.focus();
}

export function configureDialog(c, done) {
  const cfg = c.config || {};
  const m = modal(t("configure.title", { name: c.name }));
  const module = moduleFor(c.type);
  if (!module) {
    m.body.append(h("div.note.warn", t("configure.noModule", { type: c.type })));
    return;
  }
  const fields = configForm(module, cfg);
  const result = h("div", { id: "cfg-result", "aria-live": "polite" });
  const testBtn = h("button.btn", { type: "button", id: "cfg-test" }, t("common.test"));
  const saveBtn = h("button.btn.primary", { type: "submit", id: "cfg-save", form: "cfg-form" }, t("common.save"));
  const form = h("form.grid", { id: "cfg-form", "aria-label": t("configure.form") }, fields.cells);
  const show = (note) => {
    clear(result, note);
    // The foot is always in view; on a short window the step list scrolls inside the notification.
    result.querySelector("ol")?.scrollIntoView({ block: "nearest" });
    result.scrollIntoView({ block: "nearest" });
  };
  testBtn.addEventListener("click", () => {
    if (!form.reportValidity()) return;
    return busy(testBtn, async () => {
      clear(result, h("div.note", { "aria-busy": "true" }, t("test.running")));
      try {
        show(testResultNote(await post(`/api/connectors/${encodeURIComponent(c.id)}/test`, { config: fields.read() }), "cfg-steps"));
      } catch (e) {
        show(errorNote(e));
      }
    });
  });
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    await busy(saveBtn, async () => {
      try {
        const saved = await put(`/api/connectors/${encodeURIComponent(c.id)}/config`, fields.read());
        m.close();
        toast(t("configure.saved", { name: saved.name }), "ok");
        await done();
      } catch (ex) {
        show(errorNote(ex));
      }
    });
  });
  m.body.append(form);
  m.foot.append(
    result,
    h("div.form-actions", testBtn, h("span.spacer"), h("button.btn", { type: "button", onclick: () => m.close() }, t("common.cancel")), saveBtn),
  );
  fields.first?.focus();
}

export function editDialog(c, done) {
  const m = modal(t("edit.title", { name: c.name }));
  const name = h("input", { id: "edit-name", required: true, maxlength: 100, value: c.name });
  const description = h("input", { id: "edit-description", maxlength: 1000, value: c.description || "" });
  const enabled = h("input", { id: "edit-enabled", type: "checkbox", checked: c.enabled });
  const msg = h("div", { "aria-live": "polite" });
  const form = h(
    "form.grid",
    { id: "edit-form", "aria-label": t("edit.form") },
    field(t("connectors.name"), name),
    field(t("connectors.type"), h("input", { value: typeTitle(c.type), disabled: true })),
    h("div.full", field(t("add.description"), description)),
    h("label.check.full", enabled, t("edit.enabled")),
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      await patch(`/api/connectors/${encodeURIComponent(c.id)}`, { name: name.value.trim(), description: description.value.trim(), enabled: enabled.checked });
      m.close();
      toast(t("edit.saved"), "ok");
      await done();
    } catch (ex) {
      clear(msg, errorNote(ex));
    }
  });
  m.body.append(form);
  m.foot.append(
    msg,
    h("div.form-actions", h("button.btn", { type: "button", onclick: () => m.close() }, t("common.cancel")),
      h("button.btn.primary", { type: "submit", form: "edit-form" }, t("common.save"))),
  );
  name.focus();
}

/** Shows the <time datetime> elements of a same-origin page in the browser's local time. */
function localTimes(doc) {
  for (const el of doc?.querySelectorAll("time[datetime]") ?? []) el.textContent = fmtTime(el.getAttribute("datetime"));
}

export function infoDialog(c) {
  const m = modal(t("info.title", { type: typeTitle(c.type) }), { wide: true });
  const src = `/info/${encodeURIComponent(c.type)}?lang=${lang()}`;
  const frame = h("iframe.info", { src, title: t("info.frame", { type: typeTitle(c.type) }) });
  frame.addEventListener("load", () => {
    try {
      localTimes(frame.contentDocument);
    } catch {
      // not readable: the page keeps the server's times
    }
  });
  m.body.append(h("p.muted", t("info.intro"), " ", h("a", { href: src, target: "_blank", rel: "noopener" }, t("info.newTab"))), frame);
}
