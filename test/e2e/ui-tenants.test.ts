// Browser test of the multi-tenant UI (issue 10 item 5) at phone (390×844) and desktop (1366×768) sizes
// against the in-memory hub with three tenants: the top bar's tenant switcher ("All tenants" + each,
// remembered across reloads) filters PBX Connectors, Endpoints and Events; with all tenants they get a
// Tenant column and a tenant filter; Add Pbx offers the tenant (the switcher's by default); the Tenants
// page lists status and counts, adds, renames and deletes (confirmation says the hub undoes first; the
// default tenant has no Delete); the Microsoft 365 page shows and saves the chosen tenant's settings and
// the sign-in callback's `tenant` selects it. Every page fits the window.
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { SECRETS } from "../api/fake-hub.js";
import { type BrowserSession, browserSkipReason, launchBrowser } from "./browser.js";
import { expectInViewport, expectNoHorizontalScroll, login, SIZES, shot, startUiServer, type UiServer } from "./ui-harness.js";

vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

const skip = browserSkipReason();
if (skip) console.warn(skip);

describe.skipIf(Boolean(skip))("Tenants in the UI (in-memory hub)", () => {
  let server: UiServer;
  let session: BrowserSession;
  let page: Page;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    server = await startUiServer();
    const { hub } = server;
    await hub.tenants.create({ id: "acme", name: "Acme GmbH" });
    await hub.tenants.create({ id: "beta", name: "Beta AG" });
    const add = async (name: string, tenant: string) =>
      (await hub.connectors.create({ type: "innovaphone-dnd", name, tenant, config: { server: `pbx.${tenant}.example`, username: "hub" } } as never)).id;
    ids.hq = await add("Headquarters", "default");
    ids.acme = await add("Acme Berlin", "acme");
    ids.beta = await add("Beta Wien", "beta");
    await hub.connectors.update(ids.acme, { config: { password: SECRETS.pbxPassword } } as never);
    // 40 endpoints each: ep0–39 default, ep40–79 Acme, ep80–119 Beta.
    for (const [i, ep] of hub.endpointViews.entries()) {
      if (i >= 80) Object.assign(ep, { tenant: "beta", connectorId: ids.beta });
      else if (i >= 40) Object.assign(ep, { tenant: "acme", connectorId: ids.acme });
      else ep.connectorId = ids.hq;
    }
    for (const [tenant, c] of [["default", ids.hq], ["acme", ids.acme], ["beta", ids.beta]] as const)
      hub.record("connector.status", `status of ${tenant}`, { tenant, connectorId: c });
    session = await launchBrowser();
    page = await session.context.newPage();
    page.setDefaultTimeout(8000);
  });
  afterAll(async () => {
    await session?.close();
    await server?.close();
  });

  const connectorNames = () => page.$$eval("tr[data-connector-id]", (trs) => trs.map((tr) => tr.getAttribute("data-name")).sort());
  const distinct = (sel: string, attr: string) =>
    page.$$eval(sel, (trs, a) => [...new Set(trs.map((tr) => tr.getAttribute(a)))].sort(), attr);
  const endpointTenants = () => distinct("tr[data-endpoint-id]", "data-tenant");
  const eventTenants = () => distinct("tr[data-event-id]", "data-tenant");

  for (const size of SIZES) {
    const phone = size.name === "phone";
    const tag = `${size.name} ${size.width}×${size.height}`;

    /** Opens the top bar's menu on phones (the switcher and the links are in it). */
    async function openMenu() {
      while (await page.isVisible("dialog[open]")) await page.keyboard.press("Escape");
      if (phone && (await page.getAttribute("#menu-toggle", "aria-expanded")) !== "true") await page.click("#menu-toggle");
    }
    async function nav(to: string) {
      await openMenu();
      await page.click(`a[data-nav=${to}]`);
    }
    async function switchTo(tenant: string) {
      await openMenu();
      await expectInViewport(page, "#tenant-switch", `${tag} tenant switcher`);
      await page.selectOption("#tenant-switch", tenant);
    }

    describe(tag, () => {
      it("the switcher lists all tenants; with all of them the connectors have a Tenant column and filter", async () => {
        await page.setViewportSize({ width: size.width, height: size.height });
        await session.context.clearCookies();
        await login(page, server.base);
        await page.evaluate(() => localStorage.removeItem("presence-hub.tenant"));
        await page.reload();
        await page.waitForSelector("tr[data-name='Beta Wien']");
        await openMenu();
        const options = await page.$$eval("#tenant-switch option", (os) => os.map((o) => `${(o as HTMLOptionElement).value}=${o.textContent}`));
        expect(options).toEqual(["=All tenants", "default=Default", "acme=Acme GmbH", "beta=Beta AG"]);
        expect(await page.inputValue("#tenant-switch")).toBe("");
        for (const n of ["tenants", "users"]) expect(await page.isVisible(`a[data-nav=${n}]`), `${tag}: ${n} link`).toBe(true);
        await expectNoHorizontalScroll(page, `${tag} menu with switcher`);
        await shot(page, `tenants-${size.name}-switcher`);
        if (phone) await page.click("#menu-toggle");
        expect(await connectorNames()).toEqual(["Acme Berlin", "Beta Wien", "Headquarters"]);
        expect(await page.textContent("tr[data-name='Acme Berlin'] .tenant-cell")).toContain("Acme GmbH");
        await page.selectOption("#cn-tenant", "beta");
        await expect.poll(connectorNames).toEqual(["Beta Wien"]);
        await page.selectOption("#cn-tenant", "");
        await expect.poll(connectorNames).toEqual(["Acme Berlin", "Beta Wien", "Headquarters"]);
        await expectNoHorizontalScroll(page, `${tag} connectors, all tenants`);
        await expectInViewport(page, "tr[data-name='Acme Berlin'] .status", `${tag} Status`, true);
        await shot(page, `tenants-${size.name}-connectors-all`);
      });

      it("choosing a tenant filters connectors, endpoints and events, and is remembered", async () => {
        await switchTo("acme");
        await expect.poll(connectorNames).toEqual(["Acme Berlin"]);
        expect(await page.locator("th:text-is('Tenant')").count(), "no Tenant column for one tenant").toBe(0);
        expect(await page.isVisible("#cn-tenant")).toBe(false);
        await page.reload();
        await page.waitForSelector("tr[data-name='Acme Berlin']");
        expect(await connectorNames()).toEqual(["Acme Berlin"]);
        await openMenu();
        expect(await page.inputValue("#tenant-switch")).toBe("acme");

        await nav("endpoints");
        await expect.poll(() => page.textContent("#ep-pager")).toBe("1–40 of 40");
        expect(await endpointTenants()).toEqual(["acme"]);
        expect(await page.$$eval("#ep-connector option", (os) => os.map((o) => o.textContent))).toEqual(["All connectors", "Acme Berlin"]);
        await expectNoHorizontalScroll(page, `${tag} endpoints of one tenant`);
        await shot(page, `tenants-${size.name}-endpoints-acme`);
        // Rematch by e-mail re-matches this tenant's connectors only.
        const calls: (string | undefined)[] = [];
        const rematch = server.hub.endpoints.rematch;
        server.hub.endpoints.rematch = async (id) => {
          calls.push(id);
          return rematch(id);
        };
        try {
          await page.click("#ep-rematch");
          await expect.poll(() => page.textContent("#toasts")).toContain("Matched 80");
          expect(calls).toEqual([ids.acme]);
        } finally {
          server.hub.endpoints.rematch = rematch;
        }

        await nav("events");
        await page.waitForSelector("tr[data-event-id]");
        await expect.poll(eventTenants).toEqual(["acme"]);
        // A live event of another tenant is not added; one of this tenant is.
        server.hub.record("connector.status", "beta live", { tenant: "beta", connectorId: ids.beta });
        server.hub.record("connector.status", "acme live", { tenant: "acme", connectorId: ids.acme });
        await page.waitForSelector("tr[data-event-id] >> text=acme live");
        expect(await page.locator("text=beta live").count()).toBe(0);
        await shot(page, `tenants-${size.name}-events-acme`);
      });

      it("all tenants: endpoints and events get a Tenant column and filter", async () => {
        await switchTo("");
        await page.waitForSelector("#ev-tenant");
        await expect.poll(eventTenants).toEqual(["acme", "beta", "default"]);
        expect(await page.textContent(`tr[data-connector-id='${ids.beta}'] .tenant`)).toBe("Beta AG");
        await page.selectOption("#ev-tenant", "beta");
        await expect.poll(eventTenants).toEqual(["beta"]);
        await expectNoHorizontalScroll(page, `${tag} events, all tenants`);
        await shot(page, `tenants-${size.name}-events-all`);

        await nav("endpoints");
        await expect.poll(() => page.textContent("#ep-pager")).toBe("1–50 of 120");
        expect(await page.textContent("tr[data-endpoint-id=ep45] .tenant-cell")).toContain("Acme GmbH");
        await page.selectOption("#ep-tenant", "beta");
        await expect.poll(() => page.textContent("#ep-pager")).toBe("1–40 of 40");
        expect(await endpointTenants()).toEqual(["beta"]);
        expect(await page.$$eval("#ep-connector option", (os) => os.map((o) => o.textContent))).toEqual(["All connectors", "Beta Wien"]);
        await expectNoHorizontalScroll(page, `${tag} endpoints, all tenants`);
        for (const cell of [".tenant-cell", ".teams-cell", "input[aria-label^=Synchronize]"])
          await expectInViewport(page, `tr[data-endpoint-id=ep80] ${cell}`, `${tag} endpoint ${cell}`, true);
        await shot(page, `tenants-${size.name}-endpoints-all`);
        // The Sync switch of a row writes the endpoint.
        await page.uncheck("tr[data-endpoint-id=ep80] input[aria-label^=Synchronize]");
        await expect.poll(() => server.hub.endpointViews[80].enabled).toBe(false);
        await page.check("tr[data-endpoint-id=ep80] input[aria-label^=Synchronize]");
        await expect.poll(() => server.hub.endpointViews[80].enabled).toBe(true);
      });

      it("Add Pbx offers the tenant, the switcher's by default", async () => {
        await switchTo("beta");
        await nav("connectors");
        await page.waitForSelector("tr[data-name='Beta Wien']");
        await page.click("#cn-add");
        await page.waitForSelector("#add-tenant");
        expect(await page.inputValue("#add-tenant")).toBe("beta");
        await page.selectOption("#add-type", "innovaphone-dnd");
        await page.fill("#add-name", `Beta Linz ${size.name}`);
        await expectInViewport(page, "dialog[open]", `${tag} Add dialog`);
        await expectNoHorizontalScroll(page, `${tag} Add dialog`);
        await shot(page, `tenants-${size.name}-add`);
        await page.click("dialog button[type=submit]");
        await page.waitForSelector("#cfg-server");
        await page.keyboard.press("Escape");
        await page.waitForSelector(`tr[data-name='Beta Linz ${size.name}']`);
        expect(server.hub.connectors.list().find((c) => c.name === `Beta Linz ${size.name}`)?.tenant).toBe("beta");
        // Another tenant chosen in the dialog.
        await page.click("#cn-add");
        await page.selectOption("#add-tenant", "acme");
        await page.selectOption("#add-type", "innovaphone-dnd");
        await page.fill("#add-name", `Acme Potsdam ${size.name}`);
        await page.click("dialog button[type=submit]");
        await page.waitForSelector("#cfg-server");
        await page.keyboard.press("Escape");
        await expect.poll(() => server.hub.connectors.list().find((c) => c.name === `Acme Potsdam ${size.name}`)?.tenant).toBe("acme");
        expect(await page.locator(`tr[data-name='Acme Potsdam ${size.name}']`).count(), "not in Beta's list").toBe(0);
        for (const c of server.hub.connectors.list()) if (c.name.endsWith(size.name)) await server.hub.connectors.remove(c.id);
      });

      it("Tenants page: status and counts, add, rename, delete (not the default tenant)", async () => {
        await nav("tenants");
        await page.waitForSelector("tr[data-tenant-id=acme]");
        expect(await page.textContent("h1")).toBe("Tenants");
        const row = "tr[data-tenant-id=acme]";
        expect(await page.textContent(`${row} .connectors-cell`)).toContain("1 of 1 online");
        expect(await page.textContent(`${row} .endpoints-cell`)).toContain("of 40 matched");
        expect(await page.textContent("tr[data-tenant-id=beta] .m365-cell")).toContain("Not set up");
        expect(await page.locator("tr[data-tenant-id=default] button:text-is('Delete')").count(), "default tenant: no Delete").toBe(0);
        expect(await page.locator(`${row} button:text-is('Delete')`).count()).toBe(1);
        await expectNoHorizontalScroll(page, `${tag} tenants`);
        for (const b of ["Open", "Rename", "Delete"]) await expectInViewport(page, `${row} button:text-is('${b}')`, `${tag} ${b}`, true);
        await shot(page, `tenants-${size.name}-tenants`);

        await page.click("#tn-add");
        await page.fill("#tn-name", "Gamma KG");
        await expectInViewport(page, "dialog[open]", `${tag} Add tenant dialog`);
        await shot(page, `tenants-${size.name}-add-tenant`);
        await page.click("#tn-save");
        await page.waitForSelector("tr[data-tenant-id=gamma-kg]");
        await openMenu();
        expect(await page.$$eval("#tenant-switch option", (os) => os.map((o) => o.textContent))).toContain("Gamma KG");
        if (phone) await page.click("#menu-toggle");

        await page.click("tr[data-tenant-id=gamma-kg] button:text-is('Rename')");
        expect(await page.inputValue("#tn-name")).toBe("Gamma KG");
        await page.fill("#tn-name", "Gamma GmbH");
        await page.click("#tn-save");
        await page.waitForSelector("tr[data-tenant-id=gamma-kg][data-name='Gamma GmbH']");

        // Switched to the tenant, then deleted: the switcher goes back to all tenants.
        await page.click("tr[data-tenant-id=gamma-kg] button:text-is('Open')");
        await page.waitForSelector("td.empty >> text=This tenant has no PBX connectors");
        await nav("tenants");
        await page.click("tr[data-tenant-id=gamma-kg] button:text-is('Delete')");
        const text = (await page.textContent("dialog[open]")) ?? "";
        expect(text).toContain("Delete the tenant “Gamma GmbH”?");
        expect(text).toContain("The hub first undoes what it set for this tenant");
        await expectInViewport(page, "dialog[open] button.danger", `${tag} confirm Delete`);
        await shot(page, `tenants-${size.name}-delete-confirm`);
        await page.click("dialog[open] button.danger");
        await expect.poll(() => page.locator("tr[data-tenant-id=gamma-kg]").count()).toBe(0);
        expect(server.hub.tenants.list().map((x) => x.id)).toEqual(["default", "acme", "beta"]);
        await openMenu();
        expect(await page.inputValue("#tenant-switch")).toBe("");
        expect(await page.$$eval("#tenant-switch option", (os) => os.map((o) => o.textContent))).not.toContain("Gamma GmbH");
        if (phone) await page.click("#menu-toggle");
      });

      it("Microsoft 365 shows and saves the chosen tenant's settings; the sign-in callback selects the tenant", async () => {
        await switchTo("acme");
        await nav("microsoft365");
        await page.waitForSelector("#m365-tenant");
        expect(await page.textContent("#m365-for")).toContain("Acme GmbH");
        expect(await page.inputValue("#m365-tenant-choice")).toBe("acme");
        expect(await page.getAttribute("#m365-signin", "href")).toBe("/api/tenants/acme/teams/service-accounts/sign-in");
        await page.fill("#m365-tenant", `acme-${size.name}.onmicrosoft.com`);
        await page.fill("#m365-client-id", "11111111-2222-3333-4444-555555555555");
        await page.fill("#m365-client-secret", "bad");
        await page.click("#m365-test");
        await page.waitForSelector("#m365-result [data-test-result=error]");
        await page.click("#m365-save");
        await expect.poll(() => server.hub.teamsOf("acme").get().tenantId).toBe(`acme-${size.name}.onmicrosoft.com`);
        expect(server.hub.teamsOf("default").get().tenantId).toBe("");
        await expectNoHorizontalScroll(page, `${tag} Microsoft 365 of Acme`);
        await expectInViewport(page, "#m365-tenant-choice", `${tag} tenant choice`, true);
        await page.evaluate(() => window.scrollTo(0, 0));
        await shot(page, `tenants-${size.name}-m365-acme`);

        // Another tenant chosen on the page: its (empty) settings, and the switcher follows.
        await page.selectOption("#m365-tenant-choice", "beta");
        await expect.poll(() => page.textContent("#m365-for")).toContain("Beta AG");
        expect(await page.inputValue("#m365-tenant")).toBe("");
        await openMenu();
        expect(await page.inputValue("#tenant-switch")).toBe("beta");

        // The sign-in callback's redirect names the tenant.
        await page.goto(`${server.base}/#/microsoft365?tenant=acme&signin=ok:svc@acme.example`);
        await page.waitForSelector("#m365-tenant");
        await expect.poll(() => page.inputValue("#m365-tenant")).toBe(`acme-${size.name}.onmicrosoft.com`);
        expect(await page.textContent("#toasts")).toContain("Signed in svc@acme.example");
        expect(await page.evaluate(() => location.hash)).toBe("#/microsoft365");
        await openMenu();
        expect(await page.inputValue("#tenant-switch")).toBe("acme");
        // A live status of another tenant does not change the badge.
        const status = (tenant: string, state: "online" | "error") =>
          server.hub.emit({ type: "teams", tenant, status: { state, reason: state, since: new Date().toISOString() } });
        status("acme", "online");
        await page.waitForSelector("#teams-status [data-state=online]");
        status("beta", "error");
        await new Promise((r) => setTimeout(r, 300));
        expect(await page.getAttribute("#teams-status [data-state]", "data-state")).toBe("online");
        await switchTo("");
      });
    });
  }
});
