// Browser test of issue 12 item 10 at phone (390×844) and desktop (1366×768) sizes against the in-memory
// hub: the Events page names user and connector, filters by user, connector, kind and level, pages back
// through history and adds live events only when they match; the Endpoints Teams column shows what the
// hub sets ("Do not disturb · by hub") and Graph tokens in words; local times; plurals; Add Pbx starts
// at "Choose a type"; Refresh gives feedback; an unknown UI path shows the not-found page (API: JSON).
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type BrowserSession, browserSkipReason, launchBrowser } from "./browser.js";
import { expectNoHorizontalScroll, login, SIZES, shot, startUiServer, type UiServer } from "./ui-harness.js";

vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

const skip = browserSkipReason();
if (skip) console.warn(skip);

const ISO = /\d{4}-\d\d-\d\dT\d\d:\d\d/;

describe.skipIf(Boolean(skip))("Events page and item 10 details (in-memory hub)", () => {
  let server: UiServer;
  let session: BrowserSession;
  let page: Page;
  let hq: string;
  let branch: string;

  beforeAll(async () => {
    server = await startUiServer();
    const { hub } = server;
    hq = (await hub.connectors.create({ type: "innovaphone-dnd", name: "Headquarters" } as never)).id;
    branch = (await hub.connectors.create({ type: "innovaphone-dnd", name: "Branch office" } as never)).id;
    for (let i = 0; i < 230; i++)
      hub.record("presence.teams", `Teams presence of user ${i % 7}`, { endpointId: `ep${10 + (i % 7)}`, connectorId: hq });
    hub.record("decision.teamsToPbx", "Teams Busy/InACall → dnd (rule teams-call)", { endpointId: "ep1", connectorId: hq });
    hub.record("write.failed", "PBX write failed: timeout", { level: "error", endpointId: "ep2", connectorId: hq });
    hub.record("connector.status", "Branch office: backoff", { level: "warn", connectorId: branch });
    // Bob-like endpoint: on a PBX call, the hub holds Do Not Disturb in Teams while his own status is Available.
    const ep5 = hub.endpointViews[5];
    ep5.teams = { presence: { availability: "Available", activity: "Available", outOfOffice: false }, observed: null, at: null };
    ep5.pbx.callState = "connected";
    ep5.hub.teams = {
      desired: { presence: { availability: "DoNotDisturb", activity: "Presenting" } },
      acknowledged: { presence: { availability: "DoNotDisturb", activity: "Presenting" } },
      pending: false,
      lastError: null,
      lastWriteAt: new Date().toISOString(),
    };
    hub.endpointViews[2].teams = { presence: { availability: "Busy", activity: "InACall", outOfOffice: false }, observed: null, at: null };
    session = await launchBrowser();
    page = await session.context.newPage();
    page.setDefaultTimeout(8000);
  });
  afterAll(async () => {
    await session?.close();
    await server?.close();
  });

  const rows = "table[aria-label=Events] tbody tr[data-event-id]";
  const attrs = (name: string) => page.$$eval(rows, (trs, n) => trs.map((tr) => tr.getAttribute(n) ?? ""), `data-${name}`);

  for (const size of SIZES) {
    const tag = `${size.name} ${size.width}×${size.height}`;
    describe(tag, () => {
      it("each event names its user and connector, in local time", async () => {
        await page.setViewportSize({ width: size.width, height: size.height });
        await session.context.clearCookies();
        await login(page, server.base);
        await page.goto(`${server.base}/#/events`);
        await page.waitForSelector(rows);
        const decision = page.locator(`${rows}[data-kind='decision.teamsToPbx']`);
        const who = (await decision.locator("td.who").textContent()) ?? "";
        expect(who).toContain("User 1");
        expect(who).toContain("Headquarters");
        expect(who).not.toMatch(/\bep1\b|\bc1\b/);
        expect(await decision.locator("td:nth-child(3)").textContent()).toContain("Decision Teams → PBX");
        const time = (await decision.locator("td:nth-child(1)").textContent()) ?? "";
        expect(time).not.toMatch(ISO);
        expect(time).toMatch(/\d\d:\d\d:\d\d/);
        const branchRow = page.locator(`${rows}[data-kind='connector.status']`);
        expect(await branchRow.locator("td.who").textContent()).toContain("Branch office");
        await expectNoHorizontalScroll(page, `${tag} events`);
        await shot(page, `events-${size.name}-all`);
      });

      it("pages back through history with Load older events", async () => {
        expect(await page.locator(rows).count()).toBe(100);
        expect(await page.textContent("#ev-count")).toContain("100 events");
        await page.click("#ev-more");
        await expect.poll(() => page.locator(rows).count()).toBe(200);
        await page.click("#ev-more");
        const total = (await server.hub.events.list({ limit: 1000 })).length;
        expect(total).toBeGreaterThan(200);
        await expect.poll(() => page.locator(rows).count()).toBe(total);
        expect(await page.isDisabled("#ev-more")).toBe(true);
        const ids = (await attrs("event-id")).map(Number);
        expect(ids).toEqual([...ids].sort((a, b) => b - a));
        expect(new Set(ids).size).toBe(ids.length);
      });

      it("filters by level, kind, connector and user", async () => {
        const levels = async (level: "warn" | "error") =>
          (await server.hub.events.list({ level, limit: 1000 })).map((e) => e.level);
        await page.selectOption("#ev-level", "warn");
        await expect.poll(() => attrs("level")).toEqual(await levels("warn"));
        expect(new Set(await levels("warn"))).toEqual(new Set(["warn", "error"]));
        await page.selectOption("#ev-level", "error");
        await expect.poll(() => attrs("level")).toEqual(await levels("error"));
        const errors = (await levels("error")).length;
        expect(await page.textContent("#ev-count")).toContain(errors === 1 ? "Showing 1 event," : `Showing ${errors} events,`);
        await page.selectOption("#ev-level", "");
        await page.selectOption("#ev-kind", "decision");
        await expect.poll(() => attrs("kind")).toEqual(["decision.teamsToPbx"]);
        await page.selectOption("#ev-kind", "");
        await page.selectOption("#ev-connector", branch);
        await expect.poll(() => attrs("kind")).toEqual(["connector.status", "connector.created"]);
        await page.selectOption("#ev-connector", "");
        await page.fill("#ev-user", "User 12");
        await page.click("#ev-user-results button:text-is('User 12')");
        await page.waitForSelector("#ev-user-chip");
        await expect.poll(async () => new Set(await attrs("endpoint-id"))).toEqual(new Set(["ep12"]));
        await shot(page, `events-${size.name}-user-filter`);
      });

      it("live events are added only when they match the filters", async () => {
        const mine = `live for User 12 (${tag})`;
        server.hub.record("presence.pbx", mine, { endpointId: "ep12", connectorId: hq });
        server.hub.record("presence.pbx", `live for User 13 (${tag})`, { endpointId: "ep13", connectorId: hq });
        await expect.poll(() => page.textContent(`${rows}:first-child td.message`)).toBe(mine);
        await new Promise((r) => setTimeout(r, 300));
        expect(await page.textContent("table[aria-label=Events]")).not.toContain(`live for User 13 (${tag})`);
        await page.click("#ev-user-chip button");
        await page.selectOption("#ev-level", "error");
        await expect.poll(async () => new Set(await attrs("level"))).toEqual(new Set(["error"]));
        const error = `live error (${tag})`;
        server.hub.record("presence.pbx", `live info (${tag})`, { endpointId: "ep13" });
        server.hub.record("write.failed", error, { level: "error", endpointId: "ep13" });
        await expect.poll(() => page.textContent(`${rows}:first-child td.message`)).toBe(error);
        expect(await page.textContent("table[aria-label=Events]")).not.toContain(`live info (${tag})`);
        await page.selectOption("#ev-level", "");
      });

      it("the Teams column shows what the hub sets, Graph tokens in words", async () => {
        await page.goto(`${server.base}/#/endpoints`);
        await page.waitForSelector("tr[data-endpoint-id=ep5]");
        const bob = (await page.textContent("tr[data-endpoint-id=ep5] .teams-cell")) ?? "";
        expect(bob).toContain("Do not disturb");
        expect(bob).toContain("by hub");
        expect(await page.textContent("tr[data-endpoint-id=ep5] .pbx-cell")).toContain("in a call");
        const carol = (await page.textContent("tr[data-endpoint-id=ep2] .teams-cell")) ?? "";
        expect(carol).toContain("In a call");
        expect(carol).not.toContain("InACall");
        await shot(page, `events-${size.name}-endpoints-hub`);
      });

      it("one endpoint enabled says “1 endpoint”", async () => {
        await page.check("tr[data-endpoint-id=ep1] td.check-cell input");
        await page.click("button:text-is('Enable selected')");
        await expect.poll(() => page.textContent("#toasts")).toContain("Enabled 1 endpoint");
        expect(await page.textContent("#toasts")).not.toContain("1 endpoints");
      });

      it("Add Pbx starts at “Choose a type” and needs a choice", async () => {
        await page.goto(`${server.base}/#/connectors`);
        await page.waitForSelector("tr[data-name=Headquarters]");
        await page.click("button:text-is('Add Pbx')");
        await page.waitForSelector("#add-type");
        expect(await page.inputValue("#add-type")).toBe("");
        expect(await page.textContent("#add-type option:checked")).toBe("Choose a type");
        expect(await page.isVisible("#add-type-desc")).toBe(false);
        await page.fill("#add-name", "Without a type");
        await page.click("dialog button[type=submit]");
        await new Promise((r) => setTimeout(r, 300));
        expect(await page.isVisible("dialog[open] #add-type")).toBe(true);
        expect(await page.$eval("#add-type", (el) => (el as HTMLSelectElement).matches(":invalid"))).toBe(true);
        expect(server.hub.connectors.list().some((c) => c.name === "Without a type")).toBe(false);
        await page.selectOption("#add-type", "innovaphone-calls-only");
        await expect.poll(() => page.textContent("#add-type-desc")).toContain("calendar meetings do not");
        await page.keyboard.press("Escape");
      });

      it("Refresh shows that it works and what came of it", async () => {
        await page.route("**/api/connectors/*/refresh", async (route) => {
          await new Promise((r) => setTimeout(r, 600));
          await route.continue();
        });
        await page.click("button:text-is('Refresh')");
        await expect.poll(() => page.getAttribute("#cn-refresh", "aria-busy")).toBe("true");
        expect(await page.isDisabled("#cn-refresh")).toBe(true);
        await expect.poll(() => page.textContent("#toasts")).toContain("Reconnecting 2 connectors…");
        await expect.poll(() => page.textContent("#toasts"), { timeout: 5000 }).toContain("Reconnected 2 connectors");
        expect(await page.getAttribute("#cn-refresh", "aria-busy")).toBeNull();
        await page.unroute("**/api/connectors/*/refresh");
      });

      it("an unknown page shows the not-found page with a link home; the API keeps its JSON 404", async () => {
        const res = await page.goto(`${server.base}/some/unknown/page`);
        expect(res?.status()).toBe(404);
        expect(res?.headers()["content-type"]).toMatch(/text\/html/);
        await page.waitForSelector("#not-found h1");
        expect(await page.textContent("#not-found h1")).toBe("Page not found");
        expect(await page.isVisible("#topbar")).toBe(false);
        await expectNoHorizontalScroll(page, `${tag} not found`);
        await shot(page, `events-${size.name}-not-found`);
        const api = await page.request.get(`${server.base}/api/some/unknown`, { headers: { accept: "text/html" } });
        expect(api.status()).toBe(404);
        expect(await api.json()).toMatchObject({ code: "NOT_FOUND" });
        await page.click("#not-found a[href='/']");
        await page.waitForSelector("h1:text('PBX Connectors')");
      });

      it("the Info dialog shows local times", async () => {
        await page.click("tr[data-name=Headquarters] button:text-is('Info')");
        const frame = await (await page.waitForSelector("iframe.info")).contentFrame();
        if (!frame) throw new Error("no Info frame");
        await frame.waitForSelector("table.matrix");
        await expect.poll(() => frame.locator("p.meta").first().textContent()).not.toMatch(ISO);
        expect(await frame.locator("p.meta").first().textContent()).toMatch(/\d\d:\d\d:\d\d/);
        await page.keyboard.press("Escape");
      });
    });
  }
});
