// Shared setup of the UI browser tests against the in-memory hub (test/api/fake-hub.ts) and the real rule
// registry of rules/ (connector types, Info pages): start/stop, log in, and the layout checks used at
// phone (390×844) and desktop (1366×768) sizes. login() signs in the configured admin or a stored account.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import type { Frame, Page } from "playwright-core";
import { expect } from "vitest";
import { defaultRulesDir } from "../../common/paths.js";
import { RuleRegistry } from "../../engine/rules/registry.js";
import { buildApp } from "../../server/app.js";
import { hashPassword } from "../../server/auth/password.js";
import { createFakeHub } from "../api/fake-hub.js";
import { SCREENSHOT_DIR } from "./browser.js";

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
  close(): Promise<void>;
}

export async function startUiServer(opts: { users?: number } = {}): Promise<UiServer> {
  const hub = createFakeHub({ users: opts.users ?? 120 });
  const registry = new RuleRegistry();
  await registry.load(defaultRulesDir);
  const app = await buildApp({
    hub,
    registry,
    admin: { user: "admin", passwordHash: await hashPassword(ADMIN_PASSWORD) },
    publicBaseUrl: "http://127.0.0.1",
    // Another UI folder, to show that a test fails on an older UI (e.g. the main branch's server/ui).
    uiDir: process.env.PRESENCE_HUB_TEST_UI_DIR,
  });
  const base = await app.listen({ host: "127.0.0.1", port: 0 });
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  return {
    app,
    base,
    hub,
    registry,
    async close() {
      await app.close();
      await registry.close();
    },
  };
}

/** Signs in (the configured admin unless `user` and `password` name a stored account). */
export async function login(page: Page, base: string, user = "admin", password = ADMIN_PASSWORD): Promise<void> {
  await page.goto(base);
  await page.fill("#login-user", user);
  await page.fill("#login-password", password);
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
