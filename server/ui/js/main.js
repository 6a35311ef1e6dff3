// UI entry: checks the session, shows the login view or the page for the current #/route, and keeps
// one live (SSE) connection while logged in. Pages export render(main) → optional cleanup function.
import { ApiError, get, post, setUnauthorizedHandler } from "./api.js";
import { clear, h } from "./dom.js";
import { connectLive, disconnectLive } from "./live.js";
import * as connectors from "./pages/connectors.js";
import * as endpoints from "./pages/endpoints.js";
import * as events from "./pages/events.js";
import * as microsoft365 from "./pages/microsoft365.js";

const pages = { connectors, microsoft365, endpoints, events };
const main = document.getElementById("main");
const topbar = document.getElementById("topbar");
let cleanup = null;
let loggedIn = false;

function route() {
  const name = location.hash.replace(/^#\/?/, "").split(/[?/]/)[0] || "connectors";
  return pages[name] ? name : "connectors";
}

async function show() {
  if (!loggedIn) return;
  cleanup?.();
  cleanup = null;
  const name = route();
  for (const a of document.querySelectorAll("[data-nav]")) {
    if (a.dataset.nav === name) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
  document.title = `${pages[name].title} · Presence Hub`;
  clear(main);
  cleanup = (await pages[name].render(main)) || null;
}

function showLogin(message) {
  loggedIn = false;
  disconnectLive();
  cleanup?.();
  cleanup = null;
  topbar.hidden = true;
  document.title = "Log in · Presence Hub";
  const user = h("input", { id: "login-user", name: "username", autocomplete: "username", required: true, value: "admin" });
  const pass = h("input", { id: "login-password", name: "password", type: "password", autocomplete: "current-password", required: true });
  const err = h("div", { "aria-live": "assertive" });
  if (message) err.append(h("div.note.error", message));
  const btn = h("button.btn.primary", { type: "submit" }, "Log in");
  const form = h(
    "form",
    { "aria-label": "Log in" },
    h("label.field", { for: "login-user" }, "User name", user),
    h("label.field", { for: "login-password" }, "Password", pass),
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
      clear(err, h("div.note.error", { role: "alert" }, ex instanceof ApiError ? ex.message : "Login failed"));
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
        h("h1", h("span.logo", { "aria-hidden": "true" }), "Presence Hub"),
        h("p.muted", "Sign in to manage presence synchronization between Microsoft Teams and your PBX."),
        form,
      ),
    ),
  );
  (user.value ? pass : user).focus();
}

async function start() {
  let me;
  try {
    me = await get("/api/auth/session");
  } catch {
    showLogin();
    return;
  }
  loggedIn = true;
  topbar.hidden = false;
  document.getElementById("whoami").textContent = me.user;
  connectLive();
  await show();
}

setUnauthorizedHandler(() => showLogin("Your session has ended. Please log in again."));
document.getElementById("logout").addEventListener("click", async () => {
  try {
    await post("/api/auth/logout");
  } finally {
    showLogin();
  }
});
window.addEventListener("hashchange", show);
start();
