// Who is signed in and whose data the pages show. An admin sees every tenant and picks one in the top
// bar's switcher ("" = all tenants, remembered in localStorage); a tenant admin sees only their own tenant
// and has no switcher. Pages ask scopeTenant() for the `?tenant=` of their lists, showTenants() whether to
// add a Tenant column and filter, and teamsBase() for a tenant's Microsoft 365 routes.
import { get } from "./api.js";
import { h } from "./dom.js";
import { t } from "./i18n.js";

const STORE_KEY = "presence-hub.tenant";
const listeners = new Set();
let me = null;
let tenants = [];
let selected = "";

/** The session (GET /api/auth/session); a session without a role is an admin's (older servers). */
export function setSession(session) {
  me = { ...session, role: session?.role ?? "admin", tenant: session?.tenant ?? null };
}

export function session() {
  return me;
}

export const isAdmin = () => me?.role !== "tenant-admin";

/** Loads the tenants: all of them for an admin, the own one for a tenant admin. Never throws. */
export async function loadTenants() {
  if (!isAdmin()) {
    const own = me?.tenant ?? "default";
    tenants = [await get(`/api/tenants/${encodeURIComponent(own)}`).catch(() => ({ id: own, name: own }))];
    selected = own;
    return tenants;
  }
  try {
    const list = await get("/api/tenants");
    tenants = Array.isArray(list) ? list : [];
  } catch {
    tenants = [];
  }
  let saved = "";
  try {
    saved = localStorage.getItem(STORE_KEY) ?? "";
  } catch {
    // storage blocked: all tenants
  }
  selected = tenants.some((x) => x.id === saved) ? saved : "";
  return tenants;
}

export function tenantList() {
  return tenants;
}

/** The tenant's name, or its id when it is not (or no longer) known. */
export function tenantName(id) {
  return tenants.find((x) => x.id === id)?.name ?? id ?? "—";
}

/** The tenant the pages are limited to: the switcher's choice ("" = all) or a tenant admin's own. */
export function scopeTenant() {
  return isAdmin() ? selected : (me?.tenant ?? selected);
}

/**
 * Chooses the switcher's tenant ("" = all), remembers it and tells the listeners; `quiet` only updates the
 * switcher (the page that calls it is rendering that tenant already).
 */
export function setScopeTenant(id, { quiet = false } = {}) {
  if (!isAdmin()) return;
  const next = tenants.some((x) => x.id === id) ? id : "";
  const changed = next !== selected;
  selected = next;
  try {
    localStorage.setItem(STORE_KEY, next);
  } catch {
    // not remembered, still switched
  }
  for (const fn of listeners) fn(next, { quiet: quiet || !changed });
}

/** Re-reads the tenants after a change (Tenants page) and redraws the switcher; an unknown choice becomes all. */
export async function reloadTenants() {
  await loadTenants();
  setScopeTenant(selected, { quiet: true });
  return tenants;
}

/** Subscribe to switcher changes: fn(tenant, {quiet}). Returns the unsubscribe function. */
export function onScopeChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/** Whether lists name each row's tenant: an admin looking at all tenants, and there is more than one. */
export const showTenants = () => isAdmin() && !selected && tenants.length > 1;

/** The Microsoft 365 routes of a tenant. */
export const teamsBase = (tenant) => `/api/tenants/${encodeURIComponent(tenant || "default")}/teams`;

/** A page's own tenant filter (shown while all tenants are selected): "All tenants" and each tenant. */
export function tenantFilter(id, onChange) {
  const sel = h("select", { id, "aria-label": t("tenants.filter") }, h("option", { value: "" }, t("tenants.all")),
    tenants.map((x) => h("option", { value: x.id }, x.name)));
  sel.addEventListener("change", () => onChange(sel.value));
  return sel;
}
