// DOM helpers. All text goes through textContent / attributes, never innerHTML, so every value shown is
// HTML-escaped by construction. Also the shared widgets: toast, modal (scrolling body, fixed foot),
// confirmation, status badge, connection-test notification, busy buttons.
import { label, t } from "./i18n.js";

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
  const t = h(`div.toast.${kind}`, { role: kind === "error" ? "alert" : null }, message);
  document.getElementById("toasts").append(t);
  setTimeout(() => t.remove(), ms);
  return t;
}

/**
 * Modal dialog with a title; returns {dialog, body, foot, close}. The body scrolls, the foot (actions and
 * notifications) stays in view; the dialog fits the window. Focus is trapped by <dialog> itself.
 */
export function modal(title, { wide = false, onClose } = {}) {
  const titleId = `dlg-${Math.random().toString(36).slice(2)}`;
  const body = h("div.dlg-body");
  const foot = h("div.dlg-foot");
  const closeBtn = h("button.close", { type: "button", "aria-label": t("common.close") }, "×");
  const dialog = h(
    `dialog${wide ? ".wide" : ""}`,
    { "aria-labelledby": titleId },
    h("div.dlg-head", h("h2", { id: titleId }, title), closeBtn),
    body,
    foot,
  );
  const close = () => dialog.close();
  closeBtn.addEventListener("click", close);
  dialog.addEventListener("close", () => {
    dialog.remove();
    onClose?.();
  });
  document.body.append(dialog);
  dialog.showModal();
  return { dialog, body, foot, close };
}

/** Confirmation dialog; resolves true when confirmed. */
export function confirmDialog(title, message, confirmLabel = t("common.delete")) {
  return new Promise((resolve) => {
    let answer = false;
    const m = modal(title, { onClose: () => resolve(answer) });
    m.body.append(h("p", message));
    m.foot.append(
      h(
        "div.form-actions",
        h("button.btn", { type: "button", onclick: () => m.close() }, t("common.cancel")),
        h("button.btn.danger.primary", { type: "button", onclick: () => { answer = true; m.close(); } }, confirmLabel),
      ),
    );
  });
}

export function field(label, input, hint) {
  return h("label.field", label, hint ? h("span.hint", hint) : null, input);
}

/** A table cell with its column name, shown above the value when the table is laid out as cards. */
export function cell(tag, label, ...children) {
  return h(tag, { "data-label": label }, ...children);
}

/** Status column model: state → {label, css}. backoff counts as Connecting; auth_failed as Error. */
export function statusBadge(status) {
  const state = status?.state || "offline";
  const map = {
    online: ["status.online", "online"],
    connecting: ["status.connecting", "connecting"],
    backoff: ["status.connecting", "connecting"],
    auth_failed: ["status.error", "error"],
    error: ["status.error", "error"],
    offline: ["status.offline", "offline"],
  };
  const [key, css] = map[state] || [null, "offline"];
  const wrap = h("div.status", { dataset: { state } }, h(`span.badge.${css}`, key ? t(key) : state));
  if (status?.reason) wrap.append(h(`span.reason${css === "error" ? ".error" : ""}`, status.reason));
  return wrap;
}

/** The mark and level of one test step: a warning is marked as such even when the step passed. */
function stepLevel(s) {
  if (s.level === "warn") return ["warn", "⚠"];
  if (s.ok) return ["ok", "✓"];
  return ["error", "✗"];
}

/**
 * Green/red notification for a connection test: title, summary and, when it failed, the failing step with
 * its message. The step list is returned separately (its own element, `stepsId`) so a dialog can keep it
 * in view. role=alert: screen readers announce the result.
 */
export function testResultNote(result, stepsId) {
  const ok = Boolean(result.ok);
  const steps = result.steps || [];
  const failed = ok ? null : steps.find((s) => !s.ok && s.level !== "warn");
  const warnings = steps.filter((s) => s.level === "warn").length;
  const list = steps.length
    ? h(
        "ol.steps",
        { id: stepsId, "aria-label": t("test.steps") },
        steps.map((s) => {
          const [level, mark] = stepLevel(s);
          return h(`li.${level}`, { dataset: { level } }, h("span.mark", { "aria-hidden": "true" }, mark), " ",
            h("span.sr", `${label("testLevel", level)}: `), h("strong", s.step), `: ${s.message}`);
        }),
      )
    : null;
  return h(
    `div.note.result.${ok ? "ok" : "error"}`,
    { role: "alert", dataset: { testResult: ok ? "ok" : "error" } },
    h("strong", ok ? (warnings ? t("test.okWithWarnings", { count: warnings }) : t("test.ok")) : t("test.failed")),
    h("div.summary", result.summary),
    failed ? h("div.failed-step", { dataset: { failedStep: failed.step } }, t("test.failedStep", { step: failed.step, message: failed.message })) : null,
    list,
  );
}

export function errorNote(err) {
  return h("div.note.error", { role: "alert" }, h("strong", t("common.error")), err.message || String(err));
}

/** Marks a button busy (disabled, aria-busy, spinner) while `fn` runs. */
export async function busy(btn, fn) {
  btn.disabled = true;
  btn.setAttribute("aria-busy", "true");
  btn.classList.add("busy");
  try {
    return await fn();
  } finally {
    btn.disabled = false;
    btn.removeAttribute("aria-busy");
    btn.classList.remove("busy");
  }
}
