// Browser test of the UI shell against an in-memory hub: login, every page renders, Add Pbx shows the
// type's description, Configure → Test red then green → Save, endpoints search pages on the server.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { buildApp } from "../../server/app.js";
import { hashPassword } from "../../server/auth/password.js";
import { createFakeHub, SECRETS } from "../api/fake-hub.js";
import { type BrowserSession, browserSkipReason, launchBrowser, SCREENSHOT_DIR } from "./browser.js";

// Browser flows drive real processes and chromium; on a loaded 2-core runner a step can take a while.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

const skip = browserSkipReason();
if (skip) console.warn(skip);

describe.skipIf(Boolean(skip))("UI shell (in-memory hub)", () => {
  let app: FastifyInstance;
  let session: BrowserSession;
  let page: Page;
  let base: string;
  let hub: ReturnType<typeof createFakeHub>;

  beforeAll(async () => {
    const fakeTypes = async (a: FastifyInstance) => {
      a.get("/api/connector-types", async () => [
        { id: "innovaphone-dnd", title: "innovaphone: Do Not Disturb", description: "Teams call → PBX presence dnd + CFB.", active: true },
      ]);
      a.get("/info/:id", async (_r, reply) => reply.type("text/html").send("<h1>Rule matrix</h1><table><tr><td>Busy</td><td>dnd</td></tr></table>"));
    };
    hub = createFakeHub({ users: 2000 });
    app = await buildApp({
      hub,
      admin: { user: "admin", passwordHash: await hashPassword("ui-test-pw") },
      publicBaseUrl: "http://127.0.0.1",
      protectedPlugins: [{ plugin: fakeTypes }],
    });
    base = await app.listen({ host: "127.0.0.1", port: 0 });
    session = await launchBrowser();
    page = await session.context.newPage();
    page.setDefaultTimeout(8000);
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
  });
  afterAll(async () => {
    await session?.close();
    await app?.close();
  });

  it("logs in", async () => {
    await page.goto(base);
    await page.screenshot({ path: join(SCREENSHOT_DIR, "shell-login.png") });
    await page.fill("#login-password", "wrong");
    await page.click("button[type=submit]");
    await expect.poll(() => page.textContent(".login .note.error")).toContain("wrong user name or password");
    await page.fill("#login-password", "ui-test-pw");
    await page.click("button[type=submit]");
    await page.waitForSelector("h1:text('PBX Connectors')");
  });

  it("adds and configures a connector with Test red → green → Save", async () => {
    await page.click("text=Add Pbx");
    // No type is preselected (issue 12 item 10): the admin chooses one, then sees its description.
    expect(await page.inputValue("#add-type")).toBe("");
    await page.selectOption("#add-type", "innovaphone-dnd");
    await expect.poll(() => page.textContent("#add-type-desc")).toContain("Teams call → PBX presence dnd");
    await page.fill("#add-name", "Headquarters");
    await page.fill("#add-description", "innovaphone IPVA in Berlin");
    await page.screenshot({ path: join(SCREENSHOT_DIR, "shell-add.png") });
    await page.click("dialog button[type=submit]");
    await page.waitForSelector("#cfg-server");
    await page.fill("#cfg-server", "pbx.example.com");
    await page.fill("#cfg-username", "presence-hub");
    await page.fill("#cfg-password", "wrong");
    await page.click("#cfg-test");
    await page.waitForSelector("[data-test-result=error]");
    expect(await page.textContent("#cfg-result")).toContain("Login failed");
    await page.screenshot({ path: join(SCREENSHOT_DIR, "shell-configure-red.png") });
    await page.fill("#cfg-password", SECRETS.pbxPassword);
    await page.click("#cfg-test");
    await page.waitForSelector("[data-test-result=ok]");
    await page.click("#cfg-save");
    await page.waitForSelector("tr[data-name=Headquarters] [data-state=online]");
    await page.screenshot({ path: join(SCREENSHOT_DIR, "shell-connectors.png") });
    await page.click("tr[data-name=Headquarters] >> text=Info");
    const frame = page.frameLocator("iframe.info");
    await expect.poll(() => frame.locator("h1").textContent()).toContain("Rule matrix");
    await page.keyboard.press("Escape");
  });

  it("shows Error with the reason in the Status column after saving a wrong password", async () => {
    await page.click("tr[data-name=Headquarters] >> text=Configure");
    await page.fill("#cfg-password", "wrong-again");
    await page.click("#cfg-save");
    await page.waitForSelector("tr[data-name=Headquarters] [data-state=auth_failed]");
    expect(await page.textContent("tr[data-name=Headquarters] .status")).toBe("ErrorLogin failed");
    await page.screenshot({ path: join(SCREENSHOT_DIR, "shell-status-error.png") });
    await page.click("tr[data-name=Headquarters] >> text=Configure");
    expect(await page.getAttribute("#cfg-password", "placeholder")).toContain("stored");
    await page.fill("#cfg-password", SECRETS.pbxPassword);
    await page.click("#cfg-save");
    await page.waitForSelector("tr[data-name=Headquarters] [data-state=online]");
  });

  it("keeps the newest status when a live update overtakes a list load", async () => {
    const hq = hub.connectors.list().find((c) => c.name === "Headquarters");
    if (!hq) throw new Error("no Headquarters connector");
    const at = (msAgo: number) => new Date(Date.now() - msAgo).toISOString();
    const stateOf = () => page.getAttribute("tr[data-name=Headquarters] [data-state]", "data-state");
    // The list GET returns an older snapshot (backoff); while it is in flight the newer "online" arrives live.
    await page.route("**/api/connectors", async (route) => {
      const res = await route.fetch();
      const list = (await res.json()) as { id: string; status: object }[];
      for (const c of list) if (c.id === hq.id) c.status = { state: "backoff", reason: "Retrying", since: at(60_000) };
      hub.emit({ type: "connector", connector: { ...hq, status: { state: "online", reason: "Connected", since: at(0) } } });
      await new Promise((r) => setTimeout(r, 300));
      await route.fulfill({ response: res, json: list });
    });
    await page.click("text=Refresh");
    await expect.poll(() => page.isEnabled("text=Refresh")).toBe(true);
    await page.unroute("**/api/connectors");
    expect(await stateOf()).toBe("online");
    // And an older live message does not replace a newer row.
    hub.emit({ type: "connector", connector: { ...hq, status: { state: "connecting", reason: "Connecting", since: at(120_000) } } });
    await new Promise((r) => setTimeout(r, 300));
    expect(await stateOf()).toBe("online");
  });

  it("edits, refreshes and deletes a connector", async () => {
    await page.click("tr[data-name=Headquarters] >> text=Edit");
    await page.fill("#edit-name", "HQ <b>Berlin</b>");
    await page.click("dialog button[type=submit]");
    // HTML in names is shown as text, never interpreted.
    await page.waitForSelector("tr[data-name='HQ <b>Berlin</b>']");
    expect(await page.locator("tr[data-name='HQ <b>Berlin</b>'] b").count()).toBe(0);
    await page.click("text=Refresh");
    await page.waitForSelector("tr[data-name='HQ <b>Berlin</b>'] [data-state=online]");
    await page.click("tr[data-name='HQ <b>Berlin</b>'] >> text=Delete");
    await page.click("dialog button.danger");
    await page.waitForSelector("td.empty");
  });

  it("endpoints search and page on the server", async () => {
    await page.click("a[data-nav=endpoints]");
    await expect.poll(() => page.textContent("#ep-pager")).toBe("1–50 of 2000");
    await page.fill("#ep-search", "user1999");
    await expect.poll(() => page.textContent("#ep-pager")).toBe("1–1 of 1");
    await page.fill("#ep-search", "");
    await expect.poll(() => page.textContent("#ep-pager")).toBe("1–50 of 2000");
    await page.click("tr[data-endpoint-id=ep1]");
    await page.waitForSelector("#ep-detail h2");
    await page.screenshot({ path: join(SCREENSHOT_DIR, "shell-endpoints.png") });
  });

  it("Microsoft 365 and Events pages render", async () => {
    await page.click("a[data-nav=microsoft365]");
    await page.waitForSelector("#m365-tenant");
    await page.fill("#m365-tenant", "contoso.onmicrosoft.com");
    await page.fill("#m365-client-id", "11111111-2222-3333-4444-555555555555");
    await page.fill("#m365-client-secret", "bad");
    await page.click("#m365-test");
    await page.waitForSelector("#m365-result [data-test-result=error]");
    await page.screenshot({ path: join(SCREENSHOT_DIR, "shell-m365.png"), fullPage: true });
    await page.click("a[data-nav=events]");
    await page.waitForSelector("table[aria-label=Events]");
    await page.screenshot({ path: join(SCREENSHOT_DIR, "shell-events.png") });
  });
});
