// PBX Connectors page: the connectors table (Status column, Configure / Info / Edit / Delete per row),
// Add Pbx dialog (type combo with each type's mapping description), Configure popup with Test and Save
// (its fields from the type's vendor module, config-form.js), and Refresh. Status changes arrive live
// over SSE.
import { del, get, patch, post, put } from "../api.js";
import { addressOf, configForm } from "../config-form.js";
import { clear, confirmDialog, errorNote, field, h, modal, statusBadge, testResultNote, toast } from "../dom.js";
import { liveList } from "../live.js";

export const title = "PBX Connectors";

/** Types that can be chosen (a valid rule set); allTypes also has the broken ones (their adapter). */
let types = [];
let allTypes = [];
/** Installed PBX vendor modules: Configure form, defaults, Server column template. */
let modules = [];

async function loadTypes() {
  const [typeData, moduleData] = await Promise.all([
    get("/api/connector-types").catch(() => []),
    get("/api/connector-modules").catch(() => []),
  ]);
  allTypes = Array.isArray(typeData) ? typeData : typeData?.items || typeData?.types || [];
  // Only types with a valid rule set can be chosen; a broken file shows up in its Info view instead.
  types = allTypes.filter((t) => t.active !== false);
  modules = Array.isArray(moduleData) ? moduleData : [];
  return types;
}

function typeTitle(id) {
  return types.find((t) => t.id === id)?.title || id;
}

/**
 * The vendor module of a connector type: the one its rule set names. A type that names none (no valid rule
 * set) can only be the installed vendor when there is exactly one — the hub decides the same way.
 */
function moduleFor(typeId) {
  const adapter = allTypes.find((t) => t.id === typeId)?.adapter;
  if (adapter) return modules.find((m) => m.kind === adapter);
  return modules.length === 1 ? modules[0] : undefined;
}

export async function render(main) {
  const tbody = h("tbody");
  const table = h(
    "table",
    { "aria-label": "PBX connectors" },
    h(
      "thead",
      h("tr", h("th", { scope: "col" }, "Name"), h("th", { scope: "col" }, "Type"), h("th", { scope: "col" }, "Server"),
        h("th", { scope: "col" }, "Status"), h("th", { scope: "col" }, "Users"), h("th", { scope: "col" }, h("span.sr", "Actions"))),
    ),
    tbody,
  );
  const refreshBtn = h("button.btn", { type: "button", title: "Reload the status; reconnects connectors that are not online" }, "Refresh");
  const addBtn = h("button.btn.primary", { type: "button" }, "Add Pbx");
  clear(
    main,
    h(
      "div.page-head",
      h("div", h("h1", "PBX Connectors"), h("p", "Each connector links one PBX to Microsoft Teams using the mapping rules of its type.")),
      h("div.toolbar", refreshBtn, addBtn),
    ),
    h("div.panel.flush", table),
  );

  const rows = new Map();
  let list = [];

  function row(c) {
    const server = addressOf(moduleFor(c.type), c.config || {});
    const tr = h(
      "tr",
      { dataset: { connectorId: c.id, name: c.name } },
      h("td", h("strong", c.name), c.description ? h("div.muted.small", c.description) : null, c.enabled ? null : h("span.pill", "disabled")),
      h("td", typeTitle(c.type), h("div.muted.small.mono", c.type)),
      h("td.mono", server),
      h("td.status-cell", statusBadge(c.status)),
      h("td", String(c.counts?.users ?? 0), h("div.muted.small", `${c.counts?.matchedEndpoints ?? 0} matched`)),
      h(
        "td.actions",
        h("button.btn.small", { type: "button", onclick: () => configure(c) }, "Configure"),
        h("button.btn.small", { type: "button", onclick: () => info(c) }, "Info"),
        h("button.btn.small", { type: "button", onclick: () => edit(c) }, "Edit"),
        h("button.btn.small.danger", { type: "button", onclick: () => remove(c) }, "Delete"),
      ),
    );
    return tr;
  }

  function draw() {
    rows.clear();
    if (list.length === 0) {
      clear(tbody, h("tr", h("td.empty", { colspan: 6 }, "No PBX connectors yet. Press “Add Pbx” to create one.")));
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
        list = await get("/api/connectors");
        draw();
      } catch (e) {
        clear(tbody, h("tr", h("td", { colspan: 6 }, errorNote(e))));
      }
    },
    (msg) => {
      const c = msg.connector;
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

  refreshBtn.addEventListener("click", async () => {
    refreshBtn.disabled = true;
    try {
      const stale = list.filter((c) => c.enabled && c.status?.state !== "online");
      await Promise.allSettled(stale.map((c) => post(`/api/connectors/${encodeURIComponent(c.id)}/refresh`)));
      await reload();
    } finally {
      refreshBtn.disabled = false;
    }
  });
  addBtn.addEventListener("click", () => addDialog(reload));

  function configure(c) {
    configureDialog(c, reload);
  }
  function info(c) {
    infoDialog(c);
  }
  function edit(c) {
    editDialog(c, reload);
  }
  async function remove(c) {
    const ok = await confirmDialog(
      `Delete “${c.name}”?`,
      "The hub first clears the presence and call forwards it set through this PBX, then removes the connector and its endpoints.",
    );
    if (!ok) return;
    try {
      await del(`/api/connectors/${encodeURIComponent(c.id)}`);
      toast(`Deleted ${c.name}`, "ok");
      await reload();
    } catch (e) {
      toast(e.message, "error");
    }
  }

  await loadTypes();
  await reload();
  return live.off;
}

function addDialog(done) {
  const m = modal("Add Pbx");
  const typeSel = h("select", { id: "add-type", name: "type", required: true },
    types.map((t) => h("option", { value: t.id }, t.title || t.id)));
  const desc = h("p.type-desc", { id: "add-type-desc", "aria-live": "polite" });
  const showDesc = () => {
    const t = types.find((x) => x.id === typeSel.value);
    desc.textContent = t ? t.description || "" : "";
    desc.hidden = !desc.textContent;
  };
  typeSel.addEventListener("change", showDesc);
  showDesc();
  const name = h("input", { id: "add-name", name: "name", required: true, maxlength: 100 });
  const description = h("input", { id: "add-description", name: "description", maxlength: 1000 });
  const msg = h("div");
  const form = h(
    "form.grid",
    field("Type", h("div", typeSel, desc), "Which mapping between Teams and PBX presence this connector applies"),
    field("Name", name),
    field("Description", description),
    h("div.full.form-actions", h("button.btn", { type: "button", onclick: () => m.close() }, "Cancel"),
      h("button.btn.primary", { type: "submit" }, "Add")),
    h("div.full", msg),
  );
  form.querySelector("label").classList.add("full");
  if (types.length === 0) msg.append(h("div.note.warn", "No connector types are loaded. Check the rules directory."));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      const c = await post("/api/connectors", { type: typeSel.value, name: name.value.trim(), description: description.value.trim() });
      m.close();
      toast(`Added ${c.name}. Configure it next.`, "ok");
      await done();
      configureDialog(c, done);
    } catch (ex) {
      clear(msg, errorNote(ex));
    }
  });
  m.body.append(form);
  name.focus();
}

function configureDialog(c, done) {
  const cfg = c.config || {};
  const m = modal(`Configure “${c.name}”`);
  const module = moduleFor(c.type);
  if (!module) {
    m.body.append(h("div.note.warn", `No PBX connector module is installed for the type ${c.type}.`));
    return;
  }
  const fields = configForm(module, cfg);
  const result = h("div", { id: "cfg-result", "aria-live": "polite" });
  const testBtn = h("button.btn", { type: "button", id: "cfg-test" }, "Test");
  const saveBtn = h("button.btn.primary", { type: "submit", id: "cfg-save" }, "Save");
  const form = h(
    "form.grid",
    { "aria-label": "Connector configuration" },
    fields.cells,
    h("div.full.form-actions", testBtn, h("span.spacer"),
      h("button.btn", { type: "button", onclick: () => m.close() }, "Cancel"), saveBtn),
    h("div.full", result),
  );
  testBtn.addEventListener("click", async () => {
    if (!form.reportValidity()) return;
    testBtn.disabled = true;
    clear(result, h("div.note", "Testing…"));
    try {
      const r = await post(`/api/connectors/${encodeURIComponent(c.id)}/test`, { config: fields.read() });
      clear(result, testResultNote(r));
    } catch (e) {
      clear(result, errorNote(e));
    } finally {
      testBtn.disabled = false;
    }
  });
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    saveBtn.disabled = true;
    try {
      const saved = await put(`/api/connectors/${encodeURIComponent(c.id)}/config`, fields.read());
      m.close();
      toast(`Saved ${saved.name}`, "ok");
      await done();
    } catch (ex) {
      clear(result, errorNote(ex));
    } finally {
      saveBtn.disabled = false;
    }
  });
  m.body.append(form);
  fields.first?.focus();
}

function editDialog(c, done) {
  const m = modal(`Edit “${c.name}”`);
  const name = h("input", { id: "edit-name", required: true, maxlength: 100, value: c.name });
  const description = h("input", { id: "edit-description", maxlength: 1000, value: c.description || "" });
  const enabled = h("input", { id: "edit-enabled", type: "checkbox", checked: c.enabled });
  const msg = h("div");
  const form = h(
    "form.grid",
    field("Name", name),
    field("Type", h("input", { value: typeTitle(c.type), disabled: true })),
    h("div.full", field("Description", description)),
    h("label.check.full", enabled, "Enabled (disabling clears what the hub set on this PBX, then disconnects)"),
    h("div.full.form-actions", h("button.btn", { type: "button", onclick: () => m.close() }, "Cancel"),
      h("button.btn.primary", { type: "submit" }, "Save")),
    h("div.full", msg),
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      await patch(`/api/connectors/${encodeURIComponent(c.id)}`, { name: name.value.trim(), description: description.value.trim(), enabled: enabled.checked });
      m.close();
      toast("Saved", "ok");
      await done();
    } catch (ex) {
      clear(msg, errorNote(ex));
    }
  });
  m.body.append(form);
  name.focus();
}

function infoDialog(c) {
  const m = modal(`Info: ${typeTitle(c.type)}`, { wide: true });
  const src = `/info/${encodeURIComponent(c.type)}`;
  m.body.append(
    h("p.muted", "The active rule set of this connector type: which Teams status sets which PBX presence, and back. ",
      h("a", { href: src, target: "_blank", rel: "noopener" }, "Open in a new tab")),
    h("iframe.info", { src, title: `Rule matrix of ${c.type}` }),
  );
}
