// DOM helpers. All text goes through textContent / attributes, never innerHTML, so every value shown is
// HTML-escaped by construction.

/** h("button.btn.primary", {type: "button", onclick}, "Save") → element. */
export function h(tag, attrs, ...children) {
  const [name, ...classes] = tag.split(".");
  const el = document.createElement(name || "div");
  if (classes.length) el.className = classes.join(" ");
  if (attrs && (typeof attrs !== "object" || attrs instanceof Node || Array.isArray(attrs))) {
    children.unshift(attrs);
    attrs = null;
  }
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v);
    else if (k === "class") el.className = [el.className, v].filter(Boolean).join(" ");
    else if (k === "dataset") Object.assign(el.dataset, v);
    else if (k === "value") el.value = v;
    else if (k === "checked") el.checked = Boolean(v);
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

export function clear(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

export function toast(message, kind = "info", ms = 3500) {
  const t = h(`div.toast.${kind}`, message);
  document.getElementById("toasts").append(t);
  setTimeout(() => t.remove(), ms);
}

/** Modal dialog with a title; returns {dialog, body, close}. Focus is trapped by <dialog> itself. */
export function modal(title, { wide = false, onClose } = {}) {
  const titleId = `dlg-${Math.random().toString(36).slice(2)}`;
  const body = h("div.dlg-body");
  const closeBtn = h("button.close", { type: "button", "aria-label": "Close" }, "×");
  const dialog = h(
    `dialog${wide ? ".wide" : ""}`,
    { "aria-labelledby": titleId },
    h("div.dlg-head", h("h2", { id: titleId }, title), closeBtn),
    body,
  );
  const close = () => dialog.close();
  closeBtn.addEventListener("click", close);
  dialog.addEventListener("close", () => {
    dialog.remove();
    onClose?.();
  });
  document.body.append(dialog);
  dialog.showModal();
  return { dialog, body, close };
}

/** Confirmation dialog; resolves true when confirmed. */
export function confirmDialog(title, message, confirmLabel = "Delete") {
  return new Promise((resolve) => {
    let answer = false;
    const m = modal(title, { onClose: () => resolve(answer) });
    m.body.append(
      h("p", message),
      h(
        "div.form-actions",
        h("button.btn", { type: "button", onclick: () => m.close() }, "Cancel"),
        h("button.btn.danger.primary", { type: "button", onclick: () => { answer = true; m.close(); } }, confirmLabel),
      ),
    );
  });
}

export function field(label, input, hint) {
  return h("label.field", label, hint ? h("span.hint", hint) : null, input);
}

export function fmtTime(iso) {
  if (!iso) return "—";
  const d = new Date(iso);
  return d.toLocaleString(undefined, { dateStyle: "short", timeStyle: "medium" });
}

/** Status column model: state → {label, css}. backoff counts as Connecting; auth_failed as Error. */
export function statusBadge(status) {
  const state = status?.state || "offline";
  const map = {
    online: ["Online", "online"],
    connecting: ["Connecting", "connecting"],
    backoff: ["Connecting", "connecting"],
    auth_failed: ["Error", "error"],
    error: ["Error", "error"],
    offline: ["Offline", "offline"],
  };
  const [label, css] = map[state] || [state, "offline"];
  const wrap = h("div.status", { dataset: { state } }, h(`span.badge.${css}`, label));
  if (status?.reason) wrap.append(h(`span.reason${css === "error" ? ".error" : ""}`, status.reason));
  return wrap;
}

/** Green/red result notification for a connection test, with each step. */
export function testResultNote(result) {
  const ok = Boolean(result.ok);
  const steps = (result.steps || []).map((s) =>
    h(`li${s.ok ? "" : s.level === "warn" ? "" : ".fail"}`, `${s.ok ? "✓" : s.level === "warn" ? "!" : "✗"} ${s.step}: ${s.message}`),
  );
  return h(
    `div.note.${ok ? "ok" : "error"}`,
    { role: "alert", dataset: { testResult: ok ? "ok" : "error" } },
    h("strong", ok ? "Test succeeded" : "Test failed"),
    result.summary,
    steps.length ? h("ol", steps) : null,
  );
}

export function errorNote(err) {
  return h("div.note.error", { role: "alert" }, h("strong", "Error"), err.message || String(err));
}
