// The connector types (one per valid rule set, GET /api/connector-types) and the installed PBX vendor
// modules (GET /api/connector-modules: Configure form, defaults, Server column template), loaded once per
// page render; titles and descriptions in the UI language when the rule set has them (`i18n.<lang>`).
import { get } from "../api.js";
import { lang } from "../i18n.js";

/** Types that can be chosen (a valid rule set); allTypes also has the broken ones (their adapter). */
let types = [];
let allTypes = [];
let modules = [];

export async function loadTypes() {
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

export function choosableTypes() {
  return types;
}

function localized(type, key) {
  return type?.i18n?.[lang()]?.[key] || type?.[key];
}

export function typeTitle(id) {
  return localized(types.find((t) => t.id === id), "title") || id;
}

export function typeDescription(id) {
  return localized(types.find((t) => t.id === id), "description") || "";
}

/**
 * The vendor module of a connector type: the one its rule set names. A type that names none (no valid rule
 * set) can only be the installed vendor when there is exactly one — the hub decides the same way.
 */
export function moduleFor(typeId) {
  const adapter = allTypes.find((t) => t.id === typeId)?.adapter;
  if (adapter) return modules.find((m) => m.kind === adapter);
  return modules.length === 1 ? modules[0] : undefined;
}
