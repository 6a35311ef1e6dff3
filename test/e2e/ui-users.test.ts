// Browser test of admin accounts in the UI (issue 10 item 4, UI parts) at phone (390×844) and desktop
// (1366×768) sizes against the in-memory hub: the Users page lists the built-in admin (marked, no
// actions), adds tenant admins (with their tenant) and admins, disables / enables, resets passwords and
// deletes — never the built-in admin or oneself; "Your account" in the top bar changes the own password of
// a stored account and tells the configured admin where theirs is set; a tenant admin sees only their
// tenant — its name instead of the switcher, no Tenants and Users pages, no tenant choice in Add Pbx.
// Stored accounts sign in for real (the hub's auth routes; the accounts live in the fake hub's `users`).
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type BrowserSession, browserSkipReason, launchBrowser } from "./browser.js";
import {
  expectInViewport,
  expectNoHorizontalScroll,
  expectTopBarFits,
  login,
  SIZES,
  shot,
  startUiServer,
  type UiServer,
} from "./ui-harness.js";

vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

const skip = browserSkipReason();
if (skip) console.warn(skip);

const PW = "correct horse battery";

describe.skipIf(Boolean(skip))("Users and tenant admins in the UI (in-memory hub)", () => {
  let server: UiServer;
  let session: BrowserSession;
  let page: Page;
  let acmeConnector: string;

  beforeAll(async () => {
    server = await startUiServer();
    const { hub } = server;
    await hub.tenants.create({ id: "acme", name: "Acme GmbH" });
    const hq = (await hub.connectors.create({ type: "innovaphone-dnd", name: "Headquarters" } as never)).id;
    acmeConnector = (await hub.connectors.create({ type: "innovaphone-dnd", name: "Acme Berlin", tenant: "acme" } as never)).id;
    for (const [i, ep] of hub.endpointViews.entries())
      Object.assign(ep, i >= 80 ? { tenant: "acme", connectorId: acmeConnector } : { connectorId: hq });
    hub.record("connector.status", "default status", { tenant: "default", connectorId: hq });
    hub.record("connector.status", "acme status", { tenant: "acme", connectorId: acmeConnector });
    session = await launchBrowser();
    page = await session.context.newPage();
    page.setDefaultTimeout(8000);
  });
  afterAll(async () => {
    await session?.close();
    await server?.close();
  });

  const row = (name: string) => `tr[data-username='${name}']`;
  const buttons = (name: string) => page.$$eval(`${row(name)} button`, (bs) => bs.map((b) => b.textContent));

  for (const size of SIZES) {
    const phone = size.name === "phone";
    const tag = `${size.name} ${size.width}×${size.height}`;
    const alice = `alice-${size.name}`;
    const root = `root-${size.name}`;

    async function openMenu() {
      while (await page.isVisible("dialog[open]")) await page.keyboard.press("Escape");
      if (phone && (await page.getAttribute("#menu-toggle", "aria-expanded")) !== "true") await page.click("#menu-toggle");
    }
    async function nav(to: string) {
      await openMenu();
      await page.click(`a[data-nav=${to}]`);
    }
    /** Signs in afresh: the configured admin, or a stored account. */
    async function signIn(user?: string, password?: string) {
      await session.context.clearCookies();
      await login(page, server.base, user, password);
    }
    async function account() {
      await openMenu();
      await expectInViewport(page, "#whoami", `${tag} account button`);
      await page.click("#whoami");
      await page.waitForSelector("dialog[open] #account-info");
    }

    describe(tag, () => {
      it("Users page: the built-in admin is marked and has no actions; add a tenant admin and an admin", async () => {
        await page.setViewportSize({ width: size.width, height: size.height });
        await signIn();
        await page.evaluate(() => localStorage.removeItem("presence-hub.tenant"));
        await page.reload();
        await nav("users");
        await page.waitForSelector(row("admin"));
        expect(await page.textContent("h1")).toBe("Users");
        expect(await page.textContent(`${row("admin")} .name-cell`)).toContain("built-in");
        expect(await buttons("admin")).toEqual([]);

        await page.click("#us-add");
        await page.waitForSelector("#us-username");
        expect(await page.inputValue("#us-role")).toBe("tenant-admin");
        expect(await page.isVisible("#us-tenant")).toBe(true);
        await page.fill("#us-username", alice);
        await page.selectOption("#us-tenant", "acme");
        await page.fill("#us-password", "too short");
        await page.click("#us-form-save");
        // The browser refuses a password under 12 characters before anything is sent.
        expect(await page.$eval("#us-password", (el) => (el as HTMLInputElement).validity.tooShort)).toBe(true);
        expect(await page.isVisible("dialog[open]")).toBe(true);
        await expectInViewport(page, "dialog[open]", `${tag} Add user dialog`);
        await expectNoHorizontalScroll(page, `${tag} Add user dialog`);
        await shot(page, `users-${size.name}-add`);
        await page.fill("#us-password", PW);
        await page.click("#us-form-save");
        await page.waitForSelector(row(alice));
        expect(await page.textContent(`${row(alice)} td:nth-child(2)`)).toContain("Tenant admin");
        expect(await page.textContent(`${row(alice)} .tenant-cell`)).toContain("Acme GmbH");
        expect(server.hub.users.list().find((u) => u.username === alice)).toMatchObject({ role: "tenant-admin", tenant: "acme" });

        await page.click("#us-add");
        await page.fill("#us-username", root);
        await page.selectOption("#us-role", "admin");
        expect(await page.isVisible("#us-tenant"), "an admin has no tenant").toBe(false);
        await page.fill("#us-password", PW);
        await page.click("#us-form-save");
        await page.waitForSelector(row(root));
        expect(await page.textContent(`${row(root)} .tenant-cell`)).toContain("All tenants");
        expect(server.hub.users.list().find((u) => u.username === root)).toMatchObject({ role: "admin", tenant: null });

        // A taken name: the server's error in the dialog.
        await page.click("#us-add");
        await page.fill("#us-username", alice);
        await page.selectOption("#us-tenant", "acme");
        await page.fill("#us-password", PW);
        await page.click("#us-form-save");
        await expect.poll(() => page.textContent("dialog[open] .note.error")).toContain("taken");
        await page.keyboard.press("Escape");

        await expectNoHorizontalScroll(page, `${tag} users`);
        for (const b of ["Disable", "Reset password", "Delete"]) await expectInViewport(page, `${row(alice)} button:text-is('${b}')`, `${tag} ${b}`, true);
        await shot(page, `users-${size.name}-list`);
      });

      it("disable and enable, reset a password, delete", async () => {
        const id = server.hub.users.list().find((u) => u.username === alice)?.id ?? "";
        await page.click(`${row(alice)} button:text-is('Disable')`);
        await page.waitForSelector(`${row(alice)}[data-disabled=true]`);
        expect(await page.textContent(`${row(alice)} .state-cell`)).toContain("disabled");
        expect(server.hub.users.get(id).disabled).toBe(true);
        await page.click(`${row(alice)} button:text-is('Enable')`);
        await page.waitForSelector(`${row(alice)}[data-disabled=false]`);

        await page.click(`${row(alice)} button:text-is('Reset password')`);
        await page.fill("#us-new-password", "a new passphrase 1");
        await page.fill("#us-repeat-password", "a new passphrase 2");
        await page.click("#us-reset-save");
        await expect.poll(() => page.textContent("dialog[open] .note.error")).toContain("differ");
        await page.fill("#us-repeat-password", "a new passphrase 1");
        await expectInViewport(page, "dialog[open]", `${tag} Reset password dialog`);
        await shot(page, `users-${size.name}-reset`);
        await page.click("#us-reset-save");
        await expect.poll(() => page.isVisible("dialog[open]")).toBe(false);
        expect(await server.hub.users.authenticate(alice, "a new passphrase 1")).toBeTruthy();

        await page.click(`${row(root)} button:text-is('Delete')`);
        expect(await page.textContent("dialog[open]")).toContain(`Delete the user “${root}”?`);
        await page.click("dialog[open] button.danger");
        await expect.poll(() => page.locator(row(root)).count()).toBe(0);
        expect(server.hub.users.list().some((u) => u.username === root)).toBe(false);
      });

      it("Your account: the configured admin is told where the password is set; a stored admin changes it", async () => {
        await account();
        expect(await page.textContent("#account-builtin")).toContain("PRESENCE_HUB_ADMIN_PASSWORD");
        expect(await page.isVisible("#account-form")).toBe(false);
        await page.keyboard.press("Escape");

        const me = await server.hub.users.create({ username: `me-${size.name}`, password: PW, role: "admin" });
        await signIn(me.username, PW);
        await nav("users");
        await page.waitForSelector(row(me.username));
        // Oneself: neither Disable, Reset password nor Delete; the own password changes under Your account.
        expect(await page.textContent(`${row(me.username)} .name-cell`)).toContain("you");
        expect(await buttons(me.username)).toEqual(["Change password"]);
        await page.click(`${row(me.username)} button:text-is('Change password')`);
        await page.waitForSelector("dialog[open] #account-form");
        expect(await page.textContent("#account-info")).toContain(me.username);
        expect(await page.textContent("#account-info")).toContain("Administrator");
        await page.fill("#account-current", "not my password");
        await page.fill("#account-new", "my new passphrase");
        await page.fill("#account-repeat", "my new passphrase");
        await page.click("#account-save");
        await expect.poll(() => page.textContent("dialog[open] .note.error")).toContain("The current password is wrong.");
        expect(await page.isVisible("#topbar"), "a wrong current password does not sign out").toBe(true);
        await page.fill("#account-current", PW);
        await page.fill("#account-repeat", "my new passphrasE");
        await page.click("#account-save");
        await expect.poll(() => page.textContent("dialog[open] .note.error")).toContain("differ");
        await page.fill("#account-repeat", "my new passphrase");
        await expectInViewport(page, "dialog[open]", `${tag} account dialog`);
        await expectNoHorizontalScroll(page, `${tag} account dialog`);
        await shot(page, `users-${size.name}-account`);
        await page.click("#account-save");
        await expect.poll(() => page.textContent("#toasts")).toContain("Your password has been changed");
        expect(await server.hub.users.authenticate(me.username, "my new passphrase")).toBeTruthy();
        // Still signed in; the new password works for the next login.
        await nav("connectors");
        await page.waitForSelector("tr[data-name=Headquarters]");
        await signIn(me.username, "my new passphrase");
        expect(await page.textContent("#whoami")).toBe(me.username);
      });

      it("a tenant admin sees only their tenant: its name instead of the switcher, no Tenants and Users", async () => {
        const carol = await server.hub.users.create({ username: `carol-${size.name}`, password: PW, role: "tenant-admin", tenant: "acme" });
        await signIn(carol.username, PW);
        try {
          await page.goto(`${server.base}/#/tenants`);
          await page.waitForSelector("tr[data-name='Acme Berlin']");
          expect(await page.textContent("h1"), "#/tenants is not theirs").toBe("PBX Connectors");
          await openMenu();
          expect(await page.isVisible("#tenant-switch")).toBe(false);
          await expectInViewport(page, "#tenant-name", `${tag} tenant name`);
          expect(await page.textContent("#tenant-name")).toBe("Acme GmbH");
          for (const n of ["tenants", "users"]) expect(await page.isVisible(`a[data-nav=${n}]`), `${tag}: ${n} link`).toBe(false);
          await expectTopBarFits(page, tag);
          await expectNoHorizontalScroll(page, `${tag} tenant admin menu`);
          await shot(page, `users-${size.name}-tenant-admin-menu`);
          if (phone) await page.click("#menu-toggle");
          expect(await page.$$eval("tr[data-connector-id]", (trs) => trs.map((tr) => tr.getAttribute("data-name")))).toEqual(["Acme Berlin"]);
          expect(await page.locator("th:text-is('Tenant')").count()).toBe(0);
          await shot(page, `users-${size.name}-tenant-admin-connectors`);

          await page.click("#cn-add");
          await page.waitForSelector("#add-type");
          expect(await page.locator("#add-tenant").count(), "no tenant choice").toBe(0);
          await page.selectOption("#add-type", "innovaphone-dnd");
          await page.fill("#add-name", `Acme Hamburg ${size.name}`);
          await page.click("dialog button[type=submit]");
          await page.waitForSelector("#cfg-server");
          await page.keyboard.press("Escape");
          await page.waitForSelector(`tr[data-name='Acme Hamburg ${size.name}']`);
          expect(server.hub.connectors.list().find((c) => c.name === `Acme Hamburg ${size.name}`)?.tenant).toBe("acme");

          await nav("endpoints");
          await expect.poll(() => page.textContent("#ep-pager")).toBe("1–40 of 40");
          expect(await page.isVisible("#ep-tenant")).toBe(false);
          await nav("events");
          await page.waitForSelector("tr[data-event-id]");
          await expect.poll(() => page.$$eval("tr[data-event-id]", (trs) => [...new Set(trs.map((tr) => tr.getAttribute("data-tenant")))])).toEqual(["acme"]);
          expect(await page.isVisible("#ev-tenant")).toBe(false);
          await nav("microsoft365");
          await page.waitForSelector("#m365-tenant");
          expect(await page.textContent("#m365-for")).toContain("Acme GmbH");
          expect(await page.locator("#m365-tenant-choice").count()).toBe(0);
          expect(await page.getAttribute("#m365-signin", "href")).toBe("/api/tenants/acme/teams/service-accounts/sign-in");
          await expectNoHorizontalScroll(page, `${tag} tenant admin Microsoft 365`);

          await account();
          expect(await page.textContent("#account-info")).toContain("Tenant admin");
          expect(await page.textContent("#account-info")).toContain("Acme GmbH");
          expect(await page.isVisible("#account-form")).toBe(true);
          await page.keyboard.press("Escape");
          if (phone) await page.click("#menu-toggle");
          for (const c of server.hub.connectors.list()) if (c.name.endsWith(size.name)) await server.hub.connectors.remove(c.id);
        } finally {
          await signIn();
        }
      });
    });
  }
});
