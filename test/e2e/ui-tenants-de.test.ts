// Browser test of the multi-tenant pages in German (browser language de-DE) at phone (390×844) and desktop
// (1366×768) sizes: the tenant switcher, the Tenant columns and filters, the Tenants page with its
// dialogs, the Microsoft 365 tenant choice, the Users page with its dialogs, "Your account" and a tenant
// admin's top bar show no English text where German differs, and fit the window.
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type BrowserSession, browserSkipReason, launchBrowser } from "./browser.js";
import { englishLeft, englishOnly } from "./ui-german.js";
import { expectNoHorizontalScroll, expectTopBarFits, login, SIZES, shot, startUiServer, type UiServer } from "./ui-harness.js";

vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

const skip = browserSkipReason();
if (skip) console.warn(skip);

describe.skipIf(Boolean(skip))("Tenants and users in German (browser language de-DE)", () => {
  let server: UiServer;
  let session: BrowserSession;
  let page: Page;
  let english: string[];

  beforeAll(async () => {
    english = await englishOnly();
    server = await startUiServer();
    const { hub } = server;
    await hub.tenants.create({ id: "acme", name: "Acme GmbH" });
    await hub.connectors.create({ type: "innovaphone-dnd", name: "Zentrale" } as never);
    const acme = await hub.connectors.create({ type: "innovaphone-dnd", name: "Acme Berlin", tenant: "acme" } as never);
    for (const ep of hub.endpointViews.slice(60)) Object.assign(ep, { tenant: "acme", connectorId: acme.id });
    await hub.users.create({ username: "anna", password: "ein langes Passwort", role: "tenant-admin", tenant: "acme" });
    session = await launchBrowser({ locale: "de-DE" });
    page = await session.context.newPage();
    page.setDefaultTimeout(8000);
  });
  afterAll(async () => {
    await session?.close();
    await server?.close();
  });

  async function german(what: string) {
    expect(await page.getAttribute("html", "lang"), `${what}: <html lang>`).toBe("de");
    expect(await englishLeft(page, english), `${what}: English texts left`).toEqual([]);
    await expectNoHorizontalScroll(page, what);
  }
  async function go(hash: string, ready: string) {
    while (await page.isVisible("dialog[open]")) await page.keyboard.press("Escape");
    await page.goto(`${server.base}/#/${hash}`);
    await page.waitForSelector(ready);
  }
  const close = () => page.keyboard.press("Escape");

  for (const size of SIZES) {
    const phone = size.name === "phone";
    const tag = `${size.name} ${size.width}×${size.height}`;
    describe(tag, () => {
      it("switcher, Tenant columns and filters, Tenants page and its dialogs", async () => {
        await page.setViewportSize({ width: size.width, height: size.height });
        await session.context.clearCookies();
        await login(page, server.base);
        await page.evaluate(() => localStorage.removeItem("presence-hub.tenant"));
        await page.reload();
        await go("connectors", "tr[data-name=Zentrale]");
        await expectTopBarFits(page, `${tag} German admin`);
        if (phone) await page.click("#menu-toggle");
        expect(await page.textContent("#tenant-switch option:checked")).toBe("Alle Mandanten");
        expect(await page.textContent("a[data-nav=tenants]")).toBe("Mandanten");
        await german(`${tag} connectors with the switcher`);
        await shot(page, `de-${size.name}-tenants-switcher`);
        if (phone) await page.click("#menu-toggle");
        expect(await page.textContent("tr[data-name='Acme Berlin'] .tenant-cell")).toContain("Acme GmbH");

        await page.click("#cn-add");
        await page.waitForSelector("#add-tenant");
        await german(`${tag} Add Pbx with the tenant`);
        await close();

        await go("endpoints", "#ep-tenant");
        await german(`${tag} endpoints, all tenants`);
        await go("events", "#ev-tenant");
        await german(`${tag} events, all tenants`);

        await go("tenants", "tr[data-tenant-id=acme]");
        expect(await page.textContent("h1")).toBe("Mandanten");
        expect(await page.textContent("tr[data-tenant-id=acme] .connectors-cell")).toContain("0 von 1 online");
        await german(`${tag} Tenants page`);
        await shot(page, `de-${size.name}-tenants`);
        await page.click("#tn-add");
        await page.waitForSelector("#tn-name");
        await german(`${tag} Add tenant`);
        await close();
        await page.click("tr[data-tenant-id=acme] button:text-is('Umbenennen')");
        await page.waitForSelector("#tn-name");
        await german(`${tag} Rename tenant`);
        await close();
        await page.click("tr[data-tenant-id=acme] button:text-is('Löschen')");
        expect(await page.textContent("dialog[open]")).toContain("Der Hub nimmt zuerst zurück, was er für diesen Mandanten gesetzt hat");
        await german(`${tag} Delete tenant`);
        await shot(page, `de-${size.name}-tenants-delete`);
        await page.click("dialog[open] button:text-is('Abbrechen')");

        await go("microsoft365?tenant=acme", "#m365-tenant-choice");
        expect(await page.textContent("#m365-for")).toContain("Acme GmbH");
        await german(`${tag} Microsoft 365 of a tenant`);
      });

      it("Users page, its dialogs and Your account", async () => {
        await go("users", "tr[data-username=anna]");
        expect(await page.textContent("h1")).toBe("Benutzer");
        expect(await page.textContent("tr[data-username=anna]")).toContain("Mandanten-Admin");
        await german(`${tag} Users page`);
        await shot(page, `de-${size.name}-users`);
        await page.click("#us-add");
        await page.waitForSelector("#us-username");
        await german(`${tag} Add user (tenant admin)`);
        await page.selectOption("#us-role", "admin");
        await german(`${tag} Add user (admin)`);
        await close();
        await page.click("tr[data-username=anna] button:text-is('Passwort zurücksetzen')");
        await page.waitForSelector("#us-new-password");
        await german(`${tag} Reset password`);
        await close();
        await page.click("tr[data-username=anna] button:text-is('Deaktivieren')");
        await page.waitForSelector("tr[data-username=anna][data-disabled=true]");
        await german(`${tag} a disabled user`);
        await page.click("tr[data-username=anna] button:text-is('Aktivieren')");
        await page.waitForSelector("tr[data-username=anna][data-disabled=false]");

        if (phone) await page.click("#menu-toggle");
        await page.click("#whoami");
        await page.waitForSelector("#account-builtin");
        await german(`${tag} Your account (configured admin)`);
        await close();
      });

      it("a tenant admin's top bar and Your account", async () => {
        await session.context.clearCookies();
        await login(page, server.base, "anna", "ein langes Passwort");
        try {
          await page.waitForSelector("tr[data-name='Acme Berlin']");
          await expectTopBarFits(page, `${tag} German tenant admin`);
          if (phone) await page.click("#menu-toggle");
          expect(await page.textContent("#tenant-name")).toBe("Acme GmbH");
          expect(await page.getAttribute("#tenant-name", "title")).toBe("Mandant");
          await german(`${tag} tenant admin`);
          await shot(page, `de-${size.name}-tenant-admin`);
          await page.click("#whoami");
          await page.waitForSelector("#account-form");
          expect(await page.textContent("#account-info")).toContain("Mandanten-Admin");
          await german(`${tag} Your account (tenant admin)`);
          await shot(page, `de-${size.name}-account`);
          await close();
        } finally {
          await session.context.clearCookies();
        }
      });
    });
  }
});
