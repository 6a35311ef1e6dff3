// Shared setup of the UI browser tests against the in-memory hub (test/api/fake-hub.ts) and the real rule
// registry of rules/ (connector types, Info pages): start/stop, log in, and the layout checks used at
// phone (390×844) and desktop (1366×768) sizes. The admin-accounts API comes from ui-users-standin.ts
// until the real routes exist; actAs() makes the page's session another account's (role, tenant).
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import type { Frame, Page, Route } from "playwright-core";
import { expect } from "vitest";
import { defaultRulesDir } from "../../common/paths.js";
import { RuleRegistry } from "../../engine/rules/registry.js";
import { buildApp } from "../../server/app.js";
import { hashPassword } from "../../server/auth/password.js";
import { createFakeHub } from "../api/fake-hub.js";
import { SCREENSHOT_DIR } from "./browser.js";
import { usersStandIn } from "./ui-users-standin.js";

export const ADMIN_PASSWORD = "ui-test-pw";
export const PHONE = { width: 390, height: 844 };
export const DESKTOP = { width: 1366, height: 768 };
export const SIZES = [
  { name: "phone", ...PHONE },
  { name: "desktop", ...DESKTOP },
] as const;

export interface UiServer {
  app: FastifyInstance;
  base: string;
  hub: ReturnType<typeof createFakeHub>;
  registry: RuleRegistry;
  /** The stored account whose password the stand-in POST /api/auth/password changes. */
  standIn: { userId?: string };
  close(): Promise<void>;
}

export async function startUiServer(opts: { users?: number } = {}): Promise<UiServer> {
  const hub = createFakeHub({ users: opts.users ?? 120 });
  const registry = new RuleRegistry();
  await registry.load(defaultRulesDir);
  const standIn: { userId?: string } = {};
  const app = await buildApp({
    hub,
    registry,
    admin: { user: "admin", passwordHash: await hashPassword(ADMIN_PASSWORD) },
    publicBaseUrl: "http://127.0.0.1",
    // Another UI folder, to show that a test fails on an older UI (e.g. the main branch's server/ui).
    uiDir: process.env.PRESENCE_HUB_TEST_UI_DIR,
    protectedPlugins: [{ plugin: usersStandIn, options: { hub, adminUser: "admin", currentUserId: () => standIn.userId } }],
  });
  const base = await app.listen({ host: "127.0.0.1", port: 0 });
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  return {
    app,
    base,
    hub,
    registry,
    standIn,
    async close() {
      await app.close();
      await registry.close();
    },
  };
}

export async function login(page: Page, base: string): Promise<void> {
  await page.goto(base);
  await page.fill("#login-password", ADMIN_PASSWORD);
  await page.click("form[aria-label] button[type=submit]");
  await page.waitForSelector("#topbar:not([hidden])");
}

export const shot = (page: Page, name: string) =>
  page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`) });

/** No horizontal page scroll: the document is not wider than the window. */
export async function expectNoHorizontalScroll(target: Page | Frame, what: string): Promise<void> {
  const m = await target.evaluate(() => ({ sw: document.documentElement.scrollWidth, iw: window.innerWidth }));
  expect(m.sw, `${what}: document.documentElement.scrollWidth ${m.sw} > innerWidth ${m.iw}`).toBeLessThanOrEqual(m.iw);
}

/** The element's box lies inside the window horizontally (and vertically unless `horizontalOnly`). */
export async function expectInViewport(page: Page, selector: string, what: string, horizontalOnly = false): Promise<void> {
  const el = page.locator(selector).first();
  await el.waitFor({ state: "visible" });
  const b = await el.boundingBox();
  const vp = page.viewportSize();
  if (!b || !vp) throw new Error(`${what}: ${selector} has no box`);
  const box = `x ${Math.round(b.x)}, y ${Math.round(b.y)}, w ${Math.round(b.width)}, h ${Math.round(b.height)}`;
  expect(b.x, `${what}: ${selector} starts left of the window (${box})`).toBeGreaterThanOrEqual(-0.5);
  expect(b.x + b.width, `${what}: ${selector} ends right of the window ${vp.width} (${box})`).toBeLessThanOrEqual(vp.width + 0.5);
  if (horizontalOnly) return;
  expect(b.y, `${what}: ${selector} starts above the window (${box})`).toBeGreaterThanOrEqual(-0.5);
  expect(b.y + b.height, `${what}: ${selector} ends below the window ${vp.height} (${box})`).toBeLessThanOrEqual(vp.height + 0.5);
}

/**
 * The element is really shown where it is: the points near its corners and its centre hit it (or a
 * descendant), so no ancestor's overflow clips it and nothing covers it.
 */
export async function expectUnclipped(page: Page, selector: string, what: string): Promise<void> {
  const r = await page.locator(selector).first().evaluate((el) => {
    const b = el.getBoundingClientRect();
    const inset = 3;
    const points = [
      [b.left + inset, b.top + inset],
      [b.right - inset, b.top + inset],
      [b.left + inset, b.bottom - inset],
      [b.right - inset, b.bottom - inset],
      [(b.left + b.right) / 2, (b.top + b.bottom) / 2],
    ];
    return points.map(([x, y]) => {
      const hit = document.elementFromPoint(x, y);
      return { x: Math.round(x), y: Math.round(y), ok: Boolean(hit && (hit === el || el.contains(hit))), hit: hit?.tagName ?? "none" };
    });
  });
  for (const p of r) expect(p.ok, `${what}: ${selector} is clipped or covered at (${p.x}, ${p.y}) by ${p.hit}`).toBe(true);
}

export interface SessionAs {
  user: string;
  role: "admin" | "tenant-admin";
  tenant: string | null;
  userId?: string;
}

const forbidden = (route: Route) => route.fulfill({ status: 403, json: { code: "FORBIDDEN", message: "admins only" } });

/**
 * From now on the page's GET /api/auth/session says it is `as` (the signed-in admin's cookie still
 * authenticates the requests). A tenant admin gets 403 for the admins' lists (/api/tenants, /api/users),
 * as the server answers them. undo() restores the real session.
 */
export async function actAs(page: Page, as: SessionAs): Promise<{ undo(): Promise<void> }> {
  const session = async (route: Route) => {
    const res = await route.fetch();
    if (!res.ok()) return route.fulfill({ response: res });
    await route.fulfill({ response: res, json: { ...(await res.json()), ...as } });
  };
  const adminLists = /\/api\/(tenants|users)(\/[^/]*)?(\?.*)?$/;
  const guard = (route: Route) => {
    const own = as.tenant ? `/api/tenants/${as.tenant}` : "";
    return own && new URL(route.request().url()).pathname === own ? route.fallback() : forbidden(route);
  };
  await page.route("**/api/auth/session", session);
  if (as.role === "tenant-admin") await page.route(adminLists, guard);
  return {
    async undo() {
      await page.unroute("**/api/auth/session", session);
      await page.unroute(adminLists, guard);
    },
  };
}

/** The top bar lies in the window, its content does not spill, and neither it nor a link wraps. */
export async function expectTopBarFits(page: Page, what: string): Promise<void> {
  await expectInViewport(page, "#topbar", `${what}: top bar`);
  const bar = await page.locator("#topbar").evaluate((el) => ({ h: el.getBoundingClientRect().height, sw: el.scrollWidth, cw: el.clientWidth }));
  expect(bar.sw, `${what}: top bar content spills`).toBeLessThanOrEqual(bar.cw);
  expect(bar.h, `${what}: top bar wraps`).toBeLessThanOrEqual(64);
  // The links and session controls fit their row (they would run under the live dot otherwise).
  const menu = await page.locator("#menu").evaluate((el) => ({ sw: el.scrollWidth, cw: el.clientWidth, shown: el.getBoundingClientRect().width > 0 }));
  if (menu.shown) expect(menu.sw, `${what}: top bar links and session controls spill`).toBeLessThanOrEqual(menu.cw);
  const wrapped = await page.$$eval(".topbar nav a", (as) =>
    as.filter((a) => (a as HTMLElement).offsetParent && a.getBoundingClientRect().height > 40).map((a) => a.textContent));
  expect(wrapped, `${what}: links on two lines`).toEqual([]);
}
