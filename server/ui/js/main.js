// UI entry: checks the session, shows the login view or the page for the current #/route, keeps one live
// (SSE) connection while logged in, and owns the shell: the top bar (collapsed into a menu button on
// small screens), the language switch and the not-found page for unknown paths. Pages export
// render(main) → optional cleanup function, and `titleKey` (their name in the catalogues); `adminOnly`
// pages (Tenants, Users) are neither linked nor shown for a tenant admin. The top bar also has the tenant
// switcher (admins; a tenant admin sees their tenant's name) and the account button (own password).
import { openAccount } from "./account.js";
import { ApiError, get, post, setUnauthorizedHandler } from "./api.js";
import { clear, h } from "./dom.js";
import { applyDocument, LANGUAGES, lang, onLangChange, setLang, t } from "./i18n.js";
import { connectLive, disconnectLive } from "./live.js";
import * as connectors from "./pages/connectors.js";
import * as endpoints from "./pages/endpoints.js";
import * as events from "./pages/events.js";
import * as microsoft365 from "./pages/microsoft365.js";
import * as tenants from "./pages/tenants.js";
import * as users from "./pages/users.js";
import { isAdmin, loadTenants, onScopeChange, scopeTenant, session, setScopeTenant, setSession, tenantList, tenantName } from "./scope.js";

const pages = { connectors, microsoft365, endpoints, events, tenants, users };
const main = document.getElementById("main");
const topbar = document.getElementById("topbar");
const menuToggle = document.getElementById("menu-toggle");
const langSwitch = document.getElementById("lang-switch");
const tenantSwitch = document.getElementById("tenant-switch");
const tenantLabel = document.getElementById("tenant-name");
let cleanup = null;
let loggedIn = false;
let view = "login";

function route() {
  const name = location.hash.replace(/^#\/?/, "").split(/[?/]/)[0] || "connectors";
  if (!pages[name] || (pages[name].adminOnly && !isAdmin())) return "connectors";
  return name;
}

const narrow = window.matchMedia("(max-width: 860px)");

/**
 * Collapses the top bar into the menu button on narrow windows and wherever its links and session controls
 * do not fit in one row (how wide they are depends on the language, the role and the tenant names).
 */
function fitTopbar() {
  if (topbar.hidden) return;
  const wasCompact = topbar.classList.contains("compact");
  topbar.classList.remove("compact");
  const menu = document.getElementById("menu");
  const compact = narrow.matches || topbar.scrollWidth > topbar.clientWidth || menu.scrollWidth > menu.clientWidth;
  topbar.classList.toggle("compact", compact);
  if (wasCompact && !compact) setMenu(false);
}

/** The parts of the top bar that depend on who is signed in: links, tenant switcher or name, account. */
function drawShell() {
  const admin = isAdmin();
  for (const a of document.querySelectorAll("[data-admin-only]")) a.hidden = !admin;
  tenantSwitch.hidden = !admin;
  tenantLabel.hidden = admin;
  if (admin) {
    clear(tenantSwitch, h("option", { value: "" }, t("tenants.all")), tenantList().map((x) => h("option", { value: x.id }, x.name)));
    tenantSwitch.value = scopeTenant();
  } else tenantLabel.textContent = tenantName(scopeTenant());
  document.getElementById("whoami").textContent = session()?.user ?? "";
  fitTopbar();
}

function setMenu(open) {
  topbar.classList.toggle("open", open);
  menuToggle.setAttribute("aria-expanded", String(open));
}

async function show() {
  if (!loggedIn) return;
  setMenu(false);
  cleanup?.();
  cleanup = null;
  view = "page";
  const name = route();
  for (const a of document.querySelectorAll("[data-nav]")) {
    if (a.dataset.nav === name) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
  document.title = `${t(pages[name].titleKey)} · Presence Hub`;
  clear(main);
  cleanup = (await pages[name].render(main)) || null;
}

/** A language choice for pages without the top bar (login, not found). */
function langChoice(id) {
  const sel = h("select.lang", { id, "aria-label": t("shell.language") },
    Object.keys(LANGUAGES).map((code) => h("option", { value: code }, code === "de" ? "Deutsch" : "English")));
  sel.value = lang();
  sel.addEventListener("change", () => setLang(sel.value));
  return sel;
}

function showLogin(message) {
  loggedIn = false;
  view = "login";
  disconnectLive();
  cleanup?.();
  cleanup = null;
  topbar.hidden = true;
  setMenu(false);
  document.title = `${t("login.title")} · Presence Hub`;
  const user = h("input", { id: "login-user", name: "username", autocomplete: "username", required: true, value: "admin" });
  const pass = h("input", { id: "login-password", name: "password", type: "password", autocomplete: "current-password", required: true });
  const err = h("div", { "aria-live": "assertive" });
  if (message) err.append(h("div.note.error", message));
  const btn = h("button.btn.primary", { type: "submit" }, t("login.submit"));
  const form = h(
    "form",
    { "aria-label": t("login.title") },
    h("label.field", { for: "login-user" }, t("login.user"), user),
    h("label.field", { for: "login-password" }, t("login.password"), pass),
    btn,
    err,
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    btn.disabled = true;
    try {
      await post("/api/auth/login", { username: user.value, password: pass.value });
      await start();
    } catch (ex) {
      clear(err, h("div.note.error", { role: "alert" }, ex instanceof ApiError && ex.status !== 401 ? ex.message : t("login.failed")));
      pass.value = "";
      pass.focus();
    } finally {
      btn.disabled = false;
    }
  });
  clear(
    main,
    h(
      "div.login",
      h(
        "div.panel",
        h("div.login-head", h("h1", h("span.logo", { "aria-hidden": "true" }), "Presence Hub"), langChoice("login-lang")),
        h("p.muted", t("login.intro")),
        form,
      ),
    ),
  );
  (user.value ? pass : user).focus();
}

function showNotFound() {
  view = "notfound";
  topbar.hidden = true;
  document.title = `${t("notFound.title")} · Presence Hub`;
  clear(
    main,
    h("div.login", h("div.panel", { id: "not-found" },
      h("div.login-head", h("h1", t("notFound.title")), langChoice("notfound-lang")),
      h("p", t("notFound.text", { path: location.pathname })),
      h("a.btn.primary", { href: "/" }, t("notFound.home")))),
  );
}

async function start() {
  let me;
  try {
    me = await get("/api/auth/session");
  } catch {
    showLogin();
    return;
  }
  setSession(me);
  await loadTenants();
  loggedIn = true;
  topbar.hidden = false;
  drawShell();
  connectLive();
  await show();
}

function rerender() {
  langSwitch.value = lang();
  if (loggedIn) drawShell();
  if (view === "notfound") showNotFound();
  else if (view === "login") {
    const msg = main.querySelector(".login .note.error")?.textContent;
    showLogin(msg);
  } else show();
}

setUnauthorizedHandler(() => showLogin(t("login.expired")));
document.getElementById("logout").addEventListener("click", async () => {
  try {
    await post("/api/auth/logout");
  } finally {
    showLogin();
  }
});
document.getElementById("whoami").addEventListener("click", () => openAccount());
tenantSwitch.addEventListener("change", () => setScopeTenant(tenantSwitch.value));
onScopeChange((_id, { quiet }) => {
  drawShell();
  if (!quiet) show();
});
window.addEventListener("resize", fitTopbar);
menuToggle.addEventListener("click", () => setMenu(!topbar.classList.contains("open")));
topbar.addEventListener("keydown", (e) => {
  if (e.key === "Escape" && topbar.classList.contains("open")) {
    setMenu(false);
    menuToggle.focus();
  }
});
langSwitch.addEventListener("change", () => setLang(langSwitch.value));
onLangChange(rerender);
window.addEventListener("hashchange", show);
applyDocument();
langSwitch.value = lang();
if (location.pathname !== "/" && location.pathname !== "/index.html") showNotFound();
else start();
