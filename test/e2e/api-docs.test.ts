// The OpenAPI document as a page: a signed-in admin opens /api/docs in a real browser and sees every route
// group rendered (the Swagger UI assets come from the package and run under the hub's CSP); signed out, the
// page is refused.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { buildApp } from "../../server/app.js";
import { hashPassword } from "../../server/auth/password.js";
import { createFakeHub } from "../api/fake-hub.js";
import { type BrowserSession, browserSkipReason, launchBrowser, SCREENSHOT_DIR } from "./browser.js";

vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });
const skip = browserSkipReason();

describe.skipIf(Boolean(skip))("API documentation page", () => {
  let app: FastifyInstance;
  let session: BrowserSession;
  let base: string;

  beforeAll(async () => {
    app = await buildApp({
      hub: createFakeHub({ users: 3 }),
      admin: { user: "admin", passwordHash: await hashPassword("docs-pw") },
      publicBaseUrl: "http://127.0.0.1",
    });
    base = await app.listen({ host: "127.0.0.1", port: 0 });
    session = await launchBrowser();
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
  });
  afterAll(async () => {
    await session?.close();
    await app?.close();
  });

  it("is refused signed out and rendered signed in", async () => {
    const page = await session.context.newPage();
    const errors: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(m.text());
    });
    expect((await page.goto(`${base}/api/docs/`))?.status()).toBe(401);
    await page.goto(base);
    await page.fill("#login-password", "docs-pw");
    await page.click("button[type=submit]");
    await page.waitForSelector("h1:text('PBX Connectors')");
    await page.goto(`${base}/api/docs/`);
    await page.waitForSelector(".swagger-ui .opblock-tag", { timeout: 20_000 });
    const tags = await page.$$eval(".opblock-tag", (els) => els.map((e) => e.textContent ?? ""));
    expect(tags.join(" ")).toMatch(/connectors/);
    await page.screenshot({ path: join(SCREENSHOT_DIR, "api-docs.png") });
    expect(errors.filter((e) => /Content Security Policy|Refused/.test(e))).toEqual([]);
  });
});
