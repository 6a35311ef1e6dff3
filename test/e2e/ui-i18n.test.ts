// Browser test of the German UI (issue 12 item 11) at phone (390×844) and desktop (1366×768) sizes: a
// browser whose language is German gets every page in German (<html lang="de">, no text, placeholder,
// aria-label or title left in English where German differs), the connector types' German titles and
// descriptions in the Add dialog, the Info page in German; the switch in the top bar changes the
// language, which is remembered across reloads.
import type { Frame, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type BrowserSession, browserSkipReason, launchBrowser } from "./browser.js";
import { englishLeft, englishOnly } from "./ui-german.js";
import { ADMIN_PASSWORD, SIZES, shot, startUiServer, type UiServer } from "./ui-harness.js";

vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

const skip = browserSkipReason();
if (skip) console.warn(skip);

describe.skipIf(Boolean(skip))("German UI (browser language de-DE)", () => {
  let server: UiServer;
  let session: BrowserSession;
  let page: Page;
  let english: string[];

  beforeAll(async () => {
    english = await englishOnly();
    server = await startUiServer();
    await server.hub.connectors.create({ type: "innovaphone-dnd", name: "Zentrale" } as never);
    session = await launchBrowser({ locale: "de-DE" });
    page = await session.context.newPage();
    page.setDefaultTimeout(8000);
  });
  afterAll(async () => {
    await session?.close();
    await server?.close();
  });

  async function german(what: string, target: Page | Frame = page) {
    expect(await target.getAttribute("html", "lang"), `${what}: <html lang>`).toBe("de");
    expect(await englishLeft(target, english), `${what}: English texts left`).toEqual([]);
  }

  async function go(hash: string, ready: string) {
    while (await page.isVisible("dialog[open]")) await page.keyboard.press("Escape");
    await page.goto(`${server.base}/#/${hash}`);
    await page.waitForSelector(ready);
  }

  for (const size of SIZES) {
    const phone = size.name === "phone";
    const tag = `${size.name} ${size.width}×${size.height}`;
    describe(tag, () => {
      it("login page, not-found page", async () => {
        await page.setViewportSize({ width: size.width, height: size.height });
        await session.context.clearCookies();
        await page.goto(`${server.base}/`);
        await page.waitForSelector("#login-password");
        expect(await page.textContent("form[aria-label] button[type=submit]")).toBe("Anmelden");
        expect(await page.inputValue("#login-lang")).toBe("de");
        await german(`${tag} login`);
        await shot(page, `de-${size.name}-login`);
        await page.goto(`${server.base}/gibt/es/nicht`);
        await page.waitForSelector("#not-found h1");
        expect(await page.textContent("#not-found h1")).toBe("Seite nicht gefunden");
        await german(`${tag} not found`);
      });

      it("connectors page, Add, Configure with Test, Info", async () => {
        await page.goto(`${server.base}/`);
        await page.fill("#login-password", "falsch");
        await page.click("form[aria-label] button[type=submit]");
        await expect.poll(() => page.textContent(".login .note.error")).toContain("Anmeldung fehlgeschlagen");
        await page.fill("#login-password", ADMIN_PASSWORD);
        await page.click("form[aria-label] button[type=submit]");
        await page.waitForSelector("tr[data-name=Zentrale]");
        expect(await page.textContent("h1")).toBe("PBX-Verbindungen");
        await german(`${tag} connectors`);
        await shot(page, `de-${size.name}-connectors`);

        await page.click("#cn-add");
        await page.waitForSelector("#add-type");
        expect(await page.textContent("#add-type option:checked")).toBe("Typ auswählen");
        await page.selectOption("#add-type", "innovaphone-dnd");
        expect(await page.textContent("#add-type option:checked")).toContain("Nicht stören während Teams-Anrufen");
        await expect.poll(() => page.textContent("#add-type-desc")).toContain("werden PBX-Anrufe zu Ihrem Besetzt-Ziel umgeleitet");
        await german(`${tag} Add dialog`);
        await shot(page, `de-${size.name}-add`);
        await page.keyboard.press("Escape");

        await page.click("tr[data-name=Zentrale] button:text-is('Konfigurieren')");
        await page.waitForSelector("#cfg-server");
        await page.fill("#cfg-server", "pbx.example.com");
        await page.fill("#cfg-username", "presence-hub");
        await page.fill("#cfg-password", "falsch");
        await page.click("#cfg-test");
        await page.waitForSelector("#cfg-result [data-test-result=error]");
        expect(await page.textContent("#cfg-result")).toContain("Test fehlgeschlagen");
        expect(await page.textContent("dialog[open] form")).toContain("Protokoll");
        await german(`${tag} Configure dialog`);
        await shot(page, `de-${size.name}-configure`);
        await page.keyboard.press("Escape");

        await page.click("tr[data-name=Zentrale] button:text-is('Regeln')");
        const frame = await (await page.waitForSelector("iframe.info")).contentFrame();
        if (!frame) throw new Error("no Info frame");
        await frame.waitForSelector("table.matrix");
        expect(await frame.textContent("body")).toContain("Zusammengesetzt aus");
        expect(await frame.textContent("h1")).toContain("Nicht stören");
        expect(await frame.getAttribute("html", "lang")).toBe("de");
        await german(`${tag} Info dialog`);
        await page.keyboard.press("Escape");
      });

      it("Microsoft 365, endpoints with detail, events", async () => {
        await go("microsoft365", "#m365-tenant");
        expect(await page.textContent("#m365-test")).toBe("Testen");
        await german(`${tag} Microsoft 365`);
        await shot(page, `de-${size.name}-m365`);
        await go("endpoints", "tr[data-endpoint-id=ep1]");
        expect(await page.textContent("#ep-pager")).toBe("1–50 von 120");
        await page.click("tr[data-endpoint-id=ep1] td:nth-child(2)");
        await page.waitForSelector("#ep-detail h2");
        await german(`${tag} endpoints`);
        await shot(page, `de-${size.name}-endpoints`);
        await go("events", "table[aria-label=Ereignisse] tbody tr");
        expect(await page.textContent("#ev-count")).toMatch(/Ereignis(se)?, neueste zuerst/);
        await german(`${tag} events`);
        await shot(page, `de-${size.name}-events`);
      });

      it("the switch in the top bar changes the language and remembers it", async () => {
        await go("connectors", "tr[data-name=Zentrale]");
        if (phone) await page.click("#menu-toggle");
        await page.selectOption("#lang-switch", "en");
        await expect.poll(() => page.getAttribute("html", "lang")).toBe("en");
        await expect.poll(() => page.textContent("h1")).toBe("PBX Connectors");
        expect(await page.textContent("a[data-nav=events]")).toBe("Events");
        await page.reload();
        await page.waitForSelector("tr[data-name=Zentrale]");
        expect(await page.getAttribute("html", "lang")).toBe("en");
        expect(await page.textContent("h1")).toBe("PBX Connectors");
        if (phone) await page.click("#menu-toggle");
        await page.selectOption("#lang-switch", "de");
        await expect.poll(() => page.textContent("h1")).toBe("PBX-Verbindungen");
        expect(await page.textContent("a[data-nav=events]")).toBe("Ereignisse");
        await german(`${tag} after switching back`);
      });
    });
  }
});
