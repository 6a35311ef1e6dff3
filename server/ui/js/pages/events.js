// Events page: the hub's event log (newest first) with explanations, extended live over SSE.
import { get, qs } from "../api.js";
import { clear, errorNote, fmtTime, h } from "../dom.js";
import { onLive } from "../live.js";

export const title = "Events";

export function eventRow(e) {
  const level = e.level === "error" ? "error" : e.level === "warn" ? "warn" : "idle";
  return h(
    "tr",
    { dataset: { eventId: e.id } },
    h("td.small.mono", fmtTime(e.at)),
    h("td", h(`span.badge.${level}`, e.level)),
    h("td.mono.small", e.kind),
    h("td", e.message),
  );
}

export async function render(main) {
  const tbody = h("tbody");
  let oldest = null;
  const more = h("button.btn", { type: "button" }, "Older events");
  clear(
    main,
    h("div.page-head", h("div", h("h1", "Events"), h("p", "What the hub saw, decided and wrote, with the reason."))),
    h("div.panel.flush",
      h("table", { "aria-label": "Events" },
        h("thead", h("tr", h("th", { scope: "col" }, "Time"), h("th", { scope: "col" }, "Level"), h("th", { scope: "col" }, "Kind"), h("th", { scope: "col" }, "Message"))), tbody),
      h("div.pager", h("span", "Newest first"), more)),
  );
  async function load() {
    try {
      const list = await get(`/api/events${qs({ limit: 100, beforeId: oldest ?? undefined })}`);
      for (const e of list) tbody.append(eventRow(e));
      if (list.length) oldest = list[list.length - 1].id;
      more.disabled = list.length < 100;
      if (!tbody.children.length) tbody.append(h("tr", h("td.empty", { colspan: 4 }, "No events yet.")));
    } catch (e) {
      main.append(errorNote(e));
    }
  }
  more.addEventListener("click", load);
  await load();
  return onLive("event", (msg) => {
    tbody.querySelector("td.empty")?.parentElement.remove();
    tbody.prepend(eventRow(msg.event));
    while (tbody.children.length > 500) tbody.lastElementChild.remove();
  });
}
