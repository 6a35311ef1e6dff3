// The Configure dialog's fields, rendered from a connector module's form description (GET
// /api/connector-modules, engine/ports/connector-module.ts FormField): one grid cell per field (two half
// fields share one), the fields of a section in one fieldset, inputs named after the key's last segment
// with the id "cfg-<name in kebab-case>". read() turns the inputs back into the `config` object the API
// takes; secrets are write-only, so an empty password field keeps the stored one. Labels, help lines,
// placeholders and sections come in the UI language when i18n/forms.js has them, else as the module says.
import { field, h } from "./dom.js";
import { lang, t } from "./i18n.js";
import FORMS from "./i18n/forms.js";

/** A form text of `kind`'s field `key` (label, help, placeholder, section, option.<value>) in the UI language. */
function ft(kind, key, what, fallback) {
  if (fallback === undefined || fallback === null) return fallback;
  return FORMS[lang()]?.[`${kind}.${key}.${what}`] ?? FORMS[lang()]?.[`*.${key}.${what}`] ?? fallback;
}

const nameOf = (key) => key.split(".").pop();
const idOf = (key) => `cfg-${nameOf(key).replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
const getPath = (obj, key) => key.split(".").reduce((o, k) => (o == null ? undefined : o[k]), obj);

function setPath(obj, key, value) {
  const parts = key.split(".");
  let o = obj;
  for (const p of parts.slice(0, -1)) o = o[p] ??= {};
  o[parts[parts.length - 1]] = value;
}

/** Where the connector connects, from the module's address template ("not configured" while a key is empty). */
export function addressOf(module, config) {
  const keys = [...(module?.address ?? "").matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
  if (!keys.length || keys.some((k) => !getPath(config, k))) return "not configured";
  return module.address.replace(/\{([^}]+)\}/g, (_, k) => String(getPath(config, k) ?? ""));
}

function input(kind, f, value, stored) {
  const base = { id: idOf(f.key), name: nameOf(f.key), required: f.required, placeholder: ft(kind, f.key, "placeholder", f.placeholder) };
  switch (f.type) {
    case "select": {
      const el = h("select", base, (f.options ?? []).map((o) => h("option", { value: o.value }, ft(kind, f.key, `option.${o.value}`, o.label))));
      if (value !== undefined) el.value = String(value);
      return el;
    }
    case "checkbox":
      return h("input", { ...base, type: "checkbox", checked: Boolean(value) });
    case "textarea": {
      const el = h("textarea", base);
      el.value = value ?? "";
      return el;
    }
    case "password":
      return h("input", {
        ...base,
        type: "password",
        autocomplete: "new-password",
        placeholder: stored ? t("form.storedSecret") : (base.placeholder ?? ""),
      });
    case "number":
      return h("input", { ...base, type: "number", min: f.min, max: f.max, value: value ?? "" });
    default:
      return h("input", {
        ...base,
        value: value ?? "",
        autocomplete: f.autocomplete,
        inputmode: f.inputmode,
      });
  }
}

/** A field with its label: checkboxes as "☐ label", everything else as label, help line, input. */
function labelled(kind, f, el) {
  const text = ft(kind, f.key, "label", f.label);
  return f.type === "checkbox" ? h("label.check", el, text) : field(text, el, ft(kind, f.key, "help", f.help));
}

/**
 * The form cells for `module` showing `config` (a connector view's config: values, `<secret>Set` flags).
 * Returns { cells, read, first }: the grid children, config from the inputs, the input to focus.
 */
export function configForm(module, config) {
  const value = (key) => getPath(config, key) ?? getPath(module.defaults, key);
  const inputs = new Map();
  for (const f of module.form) {
    let v = value(f.key);
    // A follower without a value of its own takes the one its leader's current choice implies.
    if ((v === undefined || v === "" || v === 0) && f.follows) v = f.follows.values[value(f.follows.key)];
    inputs.set(f.key, input(module.kind, f, v, f.type === "password" && config?.[`${f.key}Set`]));
  }
  for (const f of module.form) {
    if (!f.follows) continue;
    const leader = inputs.get(f.follows.key);
    const el = inputs.get(f.key);
    const implied = Object.values(f.follows.values).map(String);
    // Only a value the leader implied follows it; a value the admin typed stays.
    leader?.addEventListener("change", () => {
      if (implied.includes(el.value) && f.follows.values[leader.value] !== undefined)
        el.value = String(f.follows.values[leader.value]);
    });
  }

  const cells = [];
  const sections = new Map();
  for (let i = 0; i < module.form.length; i++) {
    const f = module.form[i];
    const el = labelled(module.kind, f, inputs.get(f.key));
    if (f.section) {
      let set = sections.get(f.section);
      if (!set) {
        // Fieldsets span the whole row; an empty cell keeps the row before them even.
        if (sections.size === 0 && cells.length % 2 === 1) cells.push(h("div"));
        set = h("fieldset.full", h("legend", ft(module.kind, f.key, "section", f.section)));
        sections.set(f.section, set);
        cells.push(set);
        set.append(el);
      } else set.append(h("div.gap-top", el));
    } else if (f.half && module.form[i + 1]?.half && !module.form[i + 1].section) {
      const next = module.form[++i];
      cells.push(h("div.grid2", el, labelled(module.kind, next, inputs.get(next.key))));
    } else cells.push(el);
  }

  function read() {
    const out = {};
    for (const f of module.form) {
      const el = inputs.get(f.key);
      if (f.type === "password") {
        // Write-only secret: send it only when typed; an empty field keeps the stored one.
        if (el.value !== "" || !config?.[`${f.key}Set`]) setPath(out, f.key, el.value);
      } else if (f.type === "checkbox") setPath(out, f.key, el.checked);
      else if (f.type === "number") setPath(out, f.key, Number(el.value));
      else if (f.type === "select") setPath(out, f.key, el.value);
      else setPath(out, f.key, el.value.trim());
    }
    return out;
  }

  return { cells, read, first: inputs.get(module.form[0]?.key) };
}
