// UI language: English and German message catalogues (i18n/en.js, i18n/de.js), chosen by the switch
// (remembered in localStorage) or else by the browser's languages. t(key, params) looks a text up and fills
// {name} placeholders; an entry {one, other} is a plural picked by params.count (Intl.PluralRules).
// label(group, token) names a protocol token (Graph availability, PBX activity, event kind…) and falls back
// to the token itself. <html lang> follows the language; elements with data-i18n get their text from it.
import de from "./i18n/de.js";
import en from "./i18n/en.js";

export const LANGUAGES = { en, de };
const STORE_KEY = "presence-hub.lang";
const listeners = new Set();
let current = pick();

function pick() {
  let saved = null;
  try {
    saved = localStorage.getItem(STORE_KEY);
  } catch {
    // storage blocked: fall back to the browser's languages
  }
  if (saved && LANGUAGES[saved]) return saved;
  for (const l of navigator.languages?.length ? navigator.languages : [navigator.language || "en"]) {
    const base = String(l).toLowerCase().split("-")[0];
    if (LANGUAGES[base]) return base;
  }
  return "en";
}

export function lang() {
  return current;
}

/** Switches the language, remembers it and tells the listeners (they re-render). */
export function setLang(code) {
  if (!LANGUAGES[code] || code === current) return;
  current = code;
  try {
    localStorage.setItem(STORE_KEY, code);
  } catch {
    // not remembered, still switched
  }
  applyDocument();
  for (const fn of listeners) fn(code);
}

export function onLangChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

export function t(key, params = {}) {
  let v = LANGUAGES[current][key] ?? en[key];
  if (v === undefined) return key;
  if (typeof v === "object") {
    const form = new Intl.PluralRules(current).select(Number(params.count ?? 0));
    v = v[form] ?? v.other;
  }
  return v.replace(/\{(\w+)\}/g, (m, name) => (params[name] === undefined ? m : String(params[name])));
}

/** The human name of a token of `group` (e.g. label("availability", "DoNotDisturb") → "Do not disturb"). */
export function label(group, token) {
  const key = `${group}.${token === "" ? "_" : token}`;
  return LANGUAGES[current][key] ?? en[key] ?? token;
}

/** Local date and time in the UI language ("—" for none). */
export function fmtTime(iso) {
  if (!iso) return "—";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  return d.toLocaleString(current === "de" ? "de-DE" : "en-GB", { dateStyle: "medium", timeStyle: "medium" });
}

/** <html lang>, the title, and every [data-i18n] / [data-i18n-label] element of the static page. */
export function applyDocument() {
  document.documentElement.lang = current;
  for (const el of document.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of document.querySelectorAll("[data-i18n-label]")) el.setAttribute("aria-label", t(el.dataset.i18nLabel));
  for (const el of document.querySelectorAll("[data-i18n-title]")) el.setAttribute("title", t(el.dataset.i18nTitle));
}
