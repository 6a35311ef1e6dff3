// Endpoints page: server-side search and paging (only one page is ever in the browser, so it stays fast
// with thousands of users), live presence of both sides over SSE, bulk enable/disable, rematch, and a
// side panel with the endpoint's details, manual mapping and timeline of decisions with their reasons.
import { get, patch, post, qs } from "../api.js";
import { clear, errorNote, fmtTime, h, toast } from "../dom.js";
import { liveList } from "../live.js";

export const title = "Endpoints";
const PAGE = 50;

const BUSY_TEAMS = new Set(["Busy", "DoNotDisturb", "BusyIdle"]);

function teamsCell(ep) {
  const p = ep.teams?.presence;
  if (!p) return h("span.muted", ep.teamsUserId ? "unknown" : "no Teams user");
  const busy = BUSY_TEAMS.has(p.availability);
  return h("span", h(`span.pill.${busy ? "busy" : "free"}`, p.availability), p.activity !== p.availability ? h("span.small.muted", ` ${p.activity}`) : null,
    p.outOfOffice ? h("span.pill.warn", "OOF") : null);
}

function pbxCell(ep) {
  const s = ep.pbx?.callState || "idle";
  const busy = s !== "idle";
  return h("span", h(`span.pill.${busy ? "busy" : "free"}`, s === "idle" ? "idle" : `call: ${s}`), ep.pbx?.activity ? h("span.pill", ep.pbx.activity) : null);
}

function hubCell(ep) {
  const pbx = ep.hub?.pbx;
  const teams = ep.hub?.teams;
  const parts = [];
  const pbxAct = pbx?.desired?.activity;
  if (pbxAct) parts.push(h("span.pill.busy", { title: "Presence the hub sets on the PBX" }, `PBX ${pbxAct}`));
  const tp = teams?.desired?.presence;
  if (tp) parts.push(h("span.pill.busy", { title: "Presence the hub sets in Teams" }, `Teams ${tp.availability}`));
  if (pbx?.pending || teams?.pending) parts.push(h("span.pill.warn", "pending"));
  if (pbx?.lastError || teams?.lastError) parts.push(h("span.pill.busy", { title: pbx?.lastError || teams?.lastError }, "write failed"));
  return parts.length ? h("span", parts) : h("span.muted", "—");
}

export async function render(main) {
  const state = { search: "", connectorId: "", enabled: "", matched: "", offset: 0, selected: null, checked: new Set() };
  const search = h("input", { type: "search", id: "ep-search", placeholder: "Search name, e-mail or extension", "aria-label": "Search endpoints" });
  const connectorSel = h("select", { id: "ep-connector", "aria-label": "Connector" }, h("option", { value: "" }, "All connectors"));
  const enabledSel = h("select", { id: "ep-enabled", "aria-label": "Enabled" }, h("option", { value: "" }, "Enabled and disabled"),
    h("option", { value: "true" }, "Enabled"), h("option", { value: "false" }, "Disabled"));
  const matchedSel = h("select", { id: "ep-matched", "aria-label": "Matched" }, h("option", { value: "" }, "Matched and unmatched"),
    h("option", { value: "true" }, "Matched to Teams"), h("option", { value: "false" }, "Not matched"));
  const checkAll = h("input", { type: "checkbox", "aria-label": "Select all on this page" });
  const tbody = h("tbody");
  const pagerText = h("span", { id: "ep-pager" });
  const prev = h("button.btn.small", { type: "button" }, "Previous");
  const next = h("button.btn.small", { type: "button" }, "Next");
  const enableSel = h("button.btn", { type: "button", disabled: true }, "Enable selected");
  const disableSel = h("button.btn", { type: "button", disabled: true }, "Disable selected");
  const rematch = h("button.btn", { type: "button", id: "ep-rematch" }, "Rematch by e-mail");
  const detail = h("aside.panel", { id: "ep-detail", hidden: true, "aria-label": "Endpoint details" });
  const split = h("div.split.closed",
    h("div.panel.flush",
      h("table", { "aria-label": "Endpoints" },
        h("thead", h("tr", h("th", { scope: "col" }, checkAll), h("th", { scope: "col" }, "User"), h("th", { scope: "col" }, "Extension"), h("th", { scope: "col" }, "Teams"), h("th", { scope: "col" }, "PBX"),
          h("th", { scope: "col" }, "Hub sets"), h("th", { scope: "col" }, "Warnings"), h("th", { scope: "col" }, "Sync"))),
        tbody),
      h("div.pager", pagerText, h("span.toolbar", prev, next))),
    detail);
  clear(
    main,
    h("div.page-head", h("div", h("h1", "Endpoints"), h("p", "Users synchronized between Teams and a PBX, matched by e-mail.")),
      h("div.toolbar", enableSel, disableSel, rematch)),
    h("div.filters", search, connectorSel, enabledSel, matchedSel),
    split,
  );

  try {
    for (const c of await get("/api/connectors")) connectorSel.append(h("option", { value: c.id }, c.name));
  } catch {
    // the list still works without the connector filter
  }

  const rows = new Map();
  let page = { items: [], total: 0 };

  function row(ep) {
    const box = h("input", { type: "checkbox", "aria-label": `Select ${ep.displayName}`, checked: state.checked.has(ep.id) });
    box.addEventListener("click", (e) => e.stopPropagation());
    box.addEventListener("change", () => {
      if (box.checked) state.checked.add(ep.id);
      else state.checked.delete(ep.id);
      enableSel.disabled = disableSel.disabled = state.checked.size === 0;
    });
    const toggle = h("input", { type: "checkbox", checked: ep.enabled, "aria-label": `Synchronize ${ep.displayName}` });
    toggle.addEventListener("click", (e) => e.stopPropagation());
    toggle.addEventListener("change", async () => {
      try {
        await patch(`/api/endpoints/${encodeURIComponent(ep.id)}`, { enabled: toggle.checked });
      } catch (e) {
        toggle.checked = !toggle.checked;
        toast(e.message, "error");
      }
    });
    const tr = h(
      "tr",
      { dataset: { endpointId: ep.id, email: ep.email }, tabindex: 0, class: state.selected === ep.id ? "selected" : "" },
      h("td", box),
      h("td", h("strong", ep.displayName), h("div.small.muted", ep.email || "no e-mail")),
      h("td.mono", ep.h323, ep.e164 ? h("div.small.muted", ep.e164) : null),
      h("td.teams-cell", teamsCell(ep)),
      h("td.pbx-cell", pbxCell(ep)),
      h("td.hub-cell", hubCell(ep)),
      h("td", (ep.warnings || []).map((w) => h("span.pill.warn", { title: w.message }, w.message))),
      h("td", toggle),
    );
    tr.addEventListener("click", () => select(ep.id));
    tr.addEventListener("keydown", (e) => {
      if (e.key === "Enter") select(ep.id);
    });
    return tr;
  }

  let detailTimer = null;
  function onEndpoint(msg) {
    const ep = msg.endpoint;
    const shown = page?.items.find((x) => x.id === ep.id);
    const old = rows.get(ep.id);
    if (old && !(shown && ep.updatedAt < shown.updatedAt)) {
      const tr = row(ep);
      tr.classList.add("flash");
      old.replaceWith(tr);
      rows.set(ep.id, tr);
      if (shown) Object.assign(shown, ep);
    }
    if (state.selected === ep.id) {
      clearTimeout(detailTimer);
      detailTimer = setTimeout(drawDetail, 300);
    }
  }

  // A newer search during a load runs one more load with the latest filters; see liveList for live updates.
  const live = liveList("endpoint", async () => {
    const q = { search: state.search, connectorId: state.connectorId, enabled: state.enabled, matched: state.matched, offset: state.offset, limit: PAGE };
    try {
      const res = await get(`/api/endpoints${qs(q)}`);
      page = res;
    } catch (e) {
      clear(tbody, h("tr", h("td", { colspan: 8 }, errorNote(e))));
      return;
    }
    rows.clear();
    clear(tbody);
    if (page.items.length === 0) tbody.append(h("tr", h("td.empty", { colspan: 8 }, state.search ? "No endpoint matches the search." : "No endpoints yet: they appear when a connector is online.")));
    for (const ep of page.items) {
      const tr = row(ep);
      rows.set(ep.id, tr);
      tbody.append(tr);
    }
    const from = page.total === 0 ? 0 : page.offset + 1;
    pagerText.textContent = `${from}–${page.offset + page.items.length} of ${page.total}`;
    prev.disabled = page.offset === 0;
    next.disabled = page.offset + page.items.length >= page.total;
    checkAll.checked = false;
  }, onEndpoint);
  const load = live.load;

  let timer = null;
  search.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      state.search = search.value.trim();
      state.offset = 0;
      load();
    }, 250);
  });
  for (const [sel, key] of [[connectorSel, "connectorId"], [enabledSel, "enabled"], [matchedSel, "matched"]]) {
    sel.addEventListener("change", () => {
      state[key] = sel.value;
      state.offset = 0;
      load();
    });
  }
  prev.addEventListener("click", () => {
    state.offset = Math.max(0, state.offset - PAGE);
    load();
  });
  next.addEventListener("click", () => {
    state.offset += PAGE;
    load();
  });
  checkAll.addEventListener("change", () => {
    for (const ep of page.items) {
      if (checkAll.checked) state.checked.add(ep.id);
      else state.checked.delete(ep.id);
    }
    for (const tr of rows.values()) tr.querySelector("input").checked = checkAll.checked;
    enableSel.disabled = disableSel.disabled = state.checked.size === 0;
  });
  for (const [btn, enabled] of [[enableSel, true], [disableSel, false]]) {
    btn.addEventListener("click", async () => {
      try {
        const r = await post("/api/endpoints/bulk-enable", { enabled, ids: [...state.checked] });
        toast(`${enabled ? "Enabled" : "Disabled"} ${r.updated} endpoints`, "ok");
        state.checked.clear();
        enableSel.disabled = disableSel.disabled = true;
        await load();
      } catch (e) {
        toast(e.message, "error");
      }
    });
  }
  rematch.addEventListener("click", async () => {
    try {
      const r = await post("/api/endpoints/rematch", state.connectorId ? { connectorId: state.connectorId } : {});
      toast(`Matched ${r.matched}, unmatched ${r.unmatched}, changed ${r.changed}`, "ok");
      await load();
    } catch (e) {
      toast(e.message, "error");
    }
  });

  async function select(id) {
    state.selected = id;
    for (const [rid, tr] of rows) tr.classList.toggle("selected", rid === id);
    split.classList.remove("closed");
    detail.hidden = false;
    await drawDetail();
  }

  async function drawDetail() {
    const id = state.selected;
    if (!id) return;
    let ep;
    let events;
    try {
      [ep, events] = await Promise.all([get(`/api/endpoints/${encodeURIComponent(id)}`), get(`/api/endpoints/${encodeURIComponent(id)}/timeline?limit=50`)]);
    } catch (e) {
      clear(detail, errorNote(e));
      return;
    }
    if (state.selected !== id) return;
    const closeBtn = h("button.close", { type: "button", "aria-label": "Close details" }, "×");
    closeBtn.addEventListener("click", () => {
      state.selected = null;
      detail.hidden = true;
      split.classList.add("closed");
      for (const tr of rows.values()) tr.classList.remove("selected");
    });
    const d = ep.lastDecision || {};
    const auto = h("button.btn.small", { type: "button", disabled: ep.match === "auto" }, "Back to automatic matching");
    const remap = async (body) => {
      try {
        await patch(`/api/endpoints/${encodeURIComponent(id)}`, body);
        await Promise.all([drawDetail(), load()]);
      } catch (e) {
        toast(e.message, "error");
      }
    };
    auto.addEventListener("click", () => remap({ match: "auto" }));
    const unmap = h("button.btn.small", { type: "button", disabled: !ep.teamsUserId }, "Unmap");
    unmap.addEventListener("click", () => remap({ teamsUserId: null }));
    // Manual mapping: search the cached directory on the server, map with one click.
    const mapSearch = h("input", { type: "search", id: "ep-map-search", placeholder: "Map to a Teams user…", "aria-label": "Find a Teams user to map" });
    const mapResults = h("ul.map-results", { "aria-live": "polite" });
    let mapTimer = null;
    mapSearch.addEventListener("input", () => {
      clearTimeout(mapTimer);
      mapTimer = setTimeout(async () => {
        const q = mapSearch.value.trim();
        if (!q) return void clear(mapResults);
        try {
          const res = await get(`/api/teams/users${qs({ search: q, limit: 8 })}`);
          clear(
            mapResults,
            res.items.length === 0
              ? h("li.muted", "No Teams user found")
              : res.items.map((u) =>
                  h("li", h("span", h("strong", u.displayName), h("span.small.muted", ` ${u.mail || u.userPrincipalName}`)),
                    h("button.btn.small", { type: "button", onclick: () => remap({ teamsUserId: u.id }) }, "Map"))),
          );
        } catch (e) {
          clear(mapResults, h("li", errorNote(e)));
        }
      }, 250);
    });
    clear(
      detail,
      h("div.page-head", h("h2", ep.displayName), closeBtn),
      h("dl.kv",
        h("dt", "E-mail"), h("dd", ep.email || "—"),
        h("dt", "Extension"), h("dd.mono", `${ep.h323}${ep.e164 ? ` / ${ep.e164}` : ""}`),
        h("dt", "Teams user"), h("dd.mono.small", ep.teamsUserId || "not matched", h("span.pill", ep.match)),
        h("dt", "Teams"), h("dd", teamsCell(ep)),
        h("dt", "PBX"), h("dd", pbxCell(ep), ep.pbx?.cfpr === false ? h("span.pill.warn", "CF on presence off") : null),
        h("dt", "Hub sets"), h("dd", hubCell(ep)),
        h("dt", "Teams → PBX"), h("dd.small", d.teamsToPbx ? d.teamsToPbx.reason : "—"),
        h("dt", "PBX → Teams"), h("dd.small", d.pbxToTeams ? d.pbxToTeams.reason : "—")),
      (ep.warnings || []).map((w) => h("div.note.warn", w.message)),
      h("div.toolbar", { style: "margin:12px 0" }, auto, unmap),
      h("div.map", mapSearch, mapResults),
      h("h2", "Timeline"),
      events.length === 0
        ? h("p.muted", "No events for this user yet.")
        : h("ol.timeline", { id: "ep-timeline" }, events.map((e) =>
            h(`li.${e.kind.startsWith("decision") ? "decision" : e.level}`, h("div.when", `${fmtTime(e.at)} · ${e.kind}`), h("div", e.message)))),
    );
  }

  await load();
  return () => {
    live.off();
    clearTimeout(timer);
    clearTimeout(detailTimer);
  };
}
