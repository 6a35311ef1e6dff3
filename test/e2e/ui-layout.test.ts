// Browser test of the UI layout at phone (390×844) and desktop (1366×768) sizes against the in-memory
// hub and the real rules: the signed-in shell is hidden when signed out (login page, after logout); every
// page, dialog and the Info view fit without horizontal page scroll, with the top bar collapsed into a
// menu on phones, the Status column and the row actions in the window; the Configure dialog's Test result
// is a notification that is always visible (green/red, naming the failing step; warnings marked as such).
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { SECRETS } from "../api/fake-hub.js";
import { type BrowserSession, browserSkipReason, launchBrowser } from "./browser.js";
import {
  expectInViewport,
  expectNoHorizontalScroll,
  expectUnclipped,
  login,
  SIZES,
  shot,
  startUiServer,
  type UiServer,
} from "./ui-harness.js";

vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

const skip = browserSkipReason();
if (skip) console.warn(skip);

describe.skipIf(Boolean(skip))("UI layout (in-memory hub)", () => {
  let server: UiServer;
  let session: BrowserSession;
  let page: Page;

  beforeAll(async () => {
    server = await startUiServer();
    await server.hub.connectors.create({
      type: "innovaphone-dnd",
      name: "Headquarters",
      description: "innovaphone IPVA in Berlin, the main site with the long description",
      config: { server: "pbx-headquarters.berlin.example.com", username: "presence-hub" },
    } as never);
    session = await launchBrowser();
    page = await session.context.newPage();
    page.setDefaultTimeout(8000);
  });
  afterAll(async () => {
    await session?.close();
    await server?.close();
  });

  /** Opens a page through the top bar: on phones through the menu button. */
  async function nav(to: string, phone: boolean) {
    // A test that failed with a dialog open must not take the next ones with it.
    while (await page.isVisible("dialog[open]")) await page.keyboard.press("Escape");
    if (phone) {
      expect(await page.isVisible(`a[data-nav=${to}]`), "nav links are collapsed on a phone").toBe(false);
      await page.click("#menu-toggle");
      expect(await page.getAttribute("#menu-toggle", "aria-expanded")).toBe("true");
      await expectInViewport(page, `a[data-nav=${to}]`, "menu link");
      await expectInViewport(page, "#logout", "menu: Log out");
      await shot(page, "layout-phone-menu");
    }
    await page.click(`a[data-nav=${to}]`);
    if (phone) await expect.poll(() => page.isVisible(`a[data-nav=${to}]`)).toBe(false);
  }

  async function topBarFits(what: string) {
    await expectInViewport(page, "#topbar", `${what}: top bar`);
    const bar = await page.locator("#topbar").evaluate((el) => ({ h: el.getBoundingClientRect().height, sw: el.scrollWidth, cw: el.clientWidth }));
    expect(bar.sw, `${what}: top bar content spills`).toBeLessThanOrEqual(bar.cw);
    expect(bar.h, `${what}: top bar wraps`).toBeLessThanOrEqual(64);
  }

  for (const size of SIZES) {
    const phone = size.name === "phone";
    const tag = `${size.name} ${size.width}×${size.height}`;

    describe(tag, () => {
      it("login page: no signed-in shell, fits the window", async () => {
        await page.setViewportSize({ width: size.width, height: size.height });
        await session.context.clearCookies();
        await page.goto(server.base);
        await page.waitForSelector("#login-password");
        for (const sel of ["#topbar", "#logout", "#live", "#whoami", "a[data-nav=endpoints]"])
          expect(await page.isVisible(sel), `${tag}: ${sel} visible on the login page`).toBe(false);
        await expectNoHorizontalScroll(page, `${tag} login`);
        await expectInViewport(page, "form[aria-label] button[type=submit]", `${tag} login button`);
        await shot(page, `layout-${size.name}-login`);
      });

      it("connectors page: top bar, Status and the row actions in the window", async () => {
        await login(page, server.base);
        await page.waitForSelector("tr[data-name=Headquarters] .status");
        await topBarFits(tag);
        expect(await page.isVisible("#menu-toggle"), `${tag}: menu button`).toBe(phone);
        if (!phone) for (const n of ["connectors", "microsoft365", "endpoints", "events"]) await expectInViewport(page, `a[data-nav=${n}]`, tag);
        await expectNoHorizontalScroll(page, `${tag} connectors`);
        await expectInViewport(page, "tr[data-name=Headquarters] .status", `${tag} Status`, true);
        for (const b of ["Configure", "Info", "Edit", "Delete"])
          await expectInViewport(page, `tr[data-name=Headquarters] button:text-is('${b}')`, `${tag} ${b}`, true);
        await shot(page, `layout-${size.name}-connectors`);
      });

      it("Add Pbx dialog fits", async () => {
        await page.click("button:text-is('Add Pbx')");
        await page.waitForSelector("#add-type");
        await page.selectOption("#add-type", "innovaphone-dnd");
        await expectInViewport(page, "dialog[open]", `${tag} Add dialog`);
        await expectNoHorizontalScroll(page, `${tag} Add dialog`);
        await expectInViewport(page, "dialog[open] button[type=submit]", `${tag} Add button`);
        await shot(page, `layout-${size.name}-add`);
        await page.keyboard.press("Escape");
      });

      it("Configure dialog fits; the Test result is a notification that stays visible", async () => {
        await page.click("tr[data-name=Headquarters] button:text-is('Configure')");
        await page.waitForSelector("#cfg-server");
        await expectInViewport(page, "dialog[open]", `${tag} Configure dialog`);
        await expectNoHorizontalScroll(page, `${tag} Configure dialog`);
        await page.fill("#cfg-password", "wrong");
        await page.click("#cfg-test");
        await page.waitForSelector("#cfg-result [data-test-result=error]");
        const red = "#cfg-result [data-test-result=error]";
        await expectInViewport(page, red, `${tag} red result`);
        await expectUnclipped(page, red, `${tag} red result`);
        const text = (await page.textContent(red)) ?? "";
        expect(text).toContain("Login failed");
        // The error names the failing step and its message.
        expect(await page.textContent(`${red} [data-failed-step]`)).toContain("AppLogin rejected");
        expect(await page.getAttribute(`${red} [data-failed-step]`, "data-failed-step")).toBe("login");
        expect(await page.getAttribute(red, "role")).toBe("alert");
        await expectInViewport(page, "#cfg-steps", `${tag} step list`);
        await expectInViewport(page, "#cfg-save", `${tag} Save`);
        await shot(page, `layout-${size.name}-configure-red`);

        await page.fill("#cfg-password", SECRETS.pbxPassword);
        await page.click("#cfg-test");
        const green = "#cfg-result [data-test-result=ok]";
        await page.waitForSelector(green);
        await expectInViewport(page, green, `${tag} green result`);
        await expectUnclipped(page, green, `${tag} green result`);
        await expectInViewport(page, "#cfg-steps", `${tag} step list`);
        // A warning step gets a warning mark, not a tick.
        const warn = page.locator("#cfg-steps li[data-level=warn]");
        expect(await warn.count()).toBe(1);
        const warnText = (await warn.textContent()) ?? "";
        expect(warnText).toContain("⚠");
        expect(warnText).not.toContain("✓");
        expect(await page.locator("#cfg-steps li[data-level=ok]").textContent()).toContain("✓");
        await shot(page, `layout-${size.name}-configure-green`);
        await page.keyboard.press("Escape");
      });

      it("Info dialog and the Info page fit; the matrix scrolls inside its container", async () => {
        await page.click("tr[data-name=Headquarters] button:text-is('Info')");
        await page.waitForSelector("iframe.info");
        await expectInViewport(page, "dialog[open]", `${tag} Info dialog`);
        await expectNoHorizontalScroll(page, `${tag} Info dialog`);
        const frame = await (await page.waitForSelector("iframe.info")).contentFrame();
        if (!frame) throw new Error("no Info frame");
        await frame.waitForSelector("table.matrix");
        await expectNoHorizontalScroll(frame, `${tag} Info frame`);
        await matrixHeadersInside(frame, tag);
        await shot(page, `layout-${size.name}-info-dialog`);
        await page.keyboard.press("Escape");
        await page.goto(`${server.base}/info/innovaphone-dnd`);
        await expectNoHorizontalScroll(page, `${tag} Info page`);
        await matrixHeadersInside(page.mainFrame(), tag);
        const body = (await page.textContent("body")) ?? "";
        expect(body).not.toMatch(/\/(work|home|usr|tmp)\//);
        await shot(page, `layout-${size.name}-info-page`);
        await page.goto(server.base);
        await page.waitForSelector("tr[data-name=Headquarters]");
      });

      it("Microsoft 365 page fits", async () => {
        await nav("microsoft365", phone);
        await page.waitForSelector("#m365-tenant");
        await topBarFits(tag);
        await expectNoHorizontalScroll(page, `${tag} Microsoft 365`);
        await expectInViewport(page, "#m365-test", `${tag} Test`, true);
        await expectInViewport(page, "#m365-save", `${tag} Save`, true);
        await shot(page, `layout-${size.name}-m365`);
      });

      it("Endpoints page and the detail fit", async () => {
        await nav("endpoints", phone);
        await page.waitForSelector("tr[data-endpoint-id=ep1]");
        await topBarFits(tag);
        await expectNoHorizontalScroll(page, `${tag} endpoints`);
        for (const cell of [".teams-cell", ".pbx-cell", "input[aria-label^=Synchronize]"])
          await expectInViewport(page, `tr[data-endpoint-id=ep1] ${cell}`, `${tag} endpoint ${cell}`, true);
        await expectInViewport(page, "#ep-pager", `${tag} pager`, true);
        await shot(page, `layout-${size.name}-endpoints`);
        await page.click("tr[data-endpoint-id=ep1] td:nth-child(2)");
        await page.waitForSelector("#ep-detail h2");
        await expectInViewport(page, "#ep-detail button.close", `${tag} detail close`);
        await expectInViewport(page, "#ep-detail h2", `${tag} detail title`);
        await expectNoHorizontalScroll(page, `${tag} endpoint detail`);
        await shot(page, `layout-${size.name}-endpoint-detail`);
        await page.click("#ep-detail button.close");
        await expect.poll(() => page.isVisible("#ep-detail")).toBe(false);
      });

      it("Events page fits", async () => {
        await nav("events", phone);
        await page.waitForSelector("table[aria-label=Events] tbody tr");
        await topBarFits(tag);
        await expectNoHorizontalScroll(page, `${tag} events`);
        await shot(page, `layout-${size.name}-events`);
      });

      it("after logout the signed-in shell is gone", async () => {
        if (phone) await page.click("#menu-toggle");
        await page.click("#logout");
        await page.waitForSelector("#login-password");
        for (const sel of ["#topbar", "#logout", "#live", "#whoami"])
          expect(await page.isVisible(sel), `${tag}: ${sel} visible after logout`).toBe(false);
        await shot(page, `layout-${size.name}-logged-out`);
      });
    });
  }
});

/** Every rotated column header of the Info matrices lies inside its table. */
async function matrixHeadersInside(frame: import("playwright-core").Frame, what: string) {
  const outside = await frame.evaluate(() => {
    const bad: string[] = [];
    for (const table of document.querySelectorAll("table.matrix")) {
      const t = table.getBoundingClientRect();
      for (const th of table.querySelectorAll("th")) {
        // The header's text fits its cell (a rotated label is not cut off at the top).
        if (th.scrollHeight > th.clientHeight + 1 || th.scrollWidth > th.clientWidth + 1)
          bad.push(`${th.textContent} overflows its cell (${th.scrollWidth}×${th.scrollHeight} in ${th.clientWidth}×${th.clientHeight})`);
        const b = th.getBoundingClientRect();
        if (b.left < t.left - 1 || b.right > t.right + 1 || b.top < t.top - 1 || b.bottom > t.bottom + 1)
          bad.push(`${th.textContent} (${Math.round(b.left)}..${Math.round(b.right)} × ${Math.round(b.top)}..${Math.round(b.bottom)} vs table ${Math.round(t.left)}..${Math.round(t.right)} × ${Math.round(t.top)}..${Math.round(t.bottom)})`);
      }
      const wrap = table.parentElement;
      if (!wrap || !["auto", "scroll"].includes(getComputedStyle(wrap).overflowX)) bad.push("matrix is not in a scrolling container");
    }
    return bad;
  });
  expect(outside, `${what}: matrix headers outside their table`).toEqual([]);
}
