// `presence-hub demo` acceptance: the demo comes up configured (connector Online, users matched, Microsoft
// 365 connected) in a real browser, and the curl commands it prints really do what they say.
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { configureRootLogger } from "../../common/log.js";
import { type BrowserSession, browserSkipReason, launchBrowser, SCREENSHOT_DIR } from "./browser.js";

// Browser flows drive real processes and chromium; on a loaded 2-core runner a step can take a while.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

configureRootLogger({ level: "warn" });
const skip = browserSkipReason();
if (skip) console.warn(skip);

type Demo = Awaited<ReturnType<typeof import("../../server/demo/run.js")["runDemo"]>>;

/** Run one printed `curl -s [-X M] [-H h] [-d 'json'] URL` line with fetch. */
async function curl(line: string): Promise<unknown> {
  const method = /-X (\w+)/.exec(line)?.[1] ?? "GET";
  const body = /-d '([^']*)'/.exec(line)?.[1];
  const url = /(http:\/\/\S+)/.exec(line)?.[1] as string;
  const res = await fetch(url, { method, headers: body ? { "content-type": "application/json" } : {}, body });
  return res.json();
}

async function until<T>(fn: () => Promise<T>, ok: (v: T) => boolean, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  let v = await fn();
  while (!ok(v) && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 200));
    v = await fn();
  }
  return v;
}

describe.skipIf(Boolean(skip))("presence-hub demo", () => {
  let demo: Demo;
  let text: string;
  let session: BrowserSession;
  let page: Page;

  beforeAll(async () => {
    const { runDemo, demoInstructions } = await import("../../server/demo/run.js");
    demo = await runDemo({ port: 0, adminPassword: "demo-e2e-pw" });
    text = demoInstructions(demo);
    session = await launchBrowser();
    page = await session.context.newPage();
  }, 60_000);
  afterAll(async () => {
    await session?.close();
    await demo?.close();
  });

  it("shows an online connector and matched users after login", async () => {
    expect(demo.serviceAccount).toBe(true);
    await page.goto(`${demo.hub.url}/`);
    await page.screenshot({ path: `${SCREENSHOT_DIR}/demo-login.png` });
    await page.fill("#login-password", "demo-e2e-pw");
    await page.click("button[type=submit]");
    await page.waitForSelector("tr[data-name='Demo PBX'] [data-state=online]", { timeout: 45_000 });
    await page.click("a[data-nav=endpoints]");
    await page.waitForSelector("tr[data-email='alice@contoso.example']");
    expect(demo.hub.hub.endpoints.list({ matched: true }).total).toBeGreaterThanOrEqual(5);
    await page.click("a[data-nav=microsoft365]");
    await page.waitForSelector("#teams-status [data-state=online]", { timeout: 45_000 });
  });

  it("the printed instructions work: Teams call diverts, hang-up rings, PBX call sets DND", async () => {
    const lines = text.split("\n").filter((l) => l.trim().startsWith("curl"));
    expect(lines.length).toBe(7);
    // Pasteable as printed: no placeholder left to fill in.
    expect(text).not.toMatch(/<[a-z-]+>/i);
    await curl(lines[0]); // Alice: Teams call
    expect(await until(() => curl(lines[1]), (r) => (r as { result: string }).result === "forwarded")).toMatchObject({
      result: "forwarded",
      destination: "199",
    });
    await curl(lines[2]); // Alice: hang up
    expect(await until(() => curl(lines[3]), (r) => (r as { result: string }).result === "rings")).toMatchObject({ result: "rings" });
    await curl(lines[4]); // Bob: PBX call, answered
    const bob = () => curl(lines[5]) as Promise<{ presence: { availability: string } }>;
    expect((await until(bob, (u) => u.presence.availability === "DoNotDisturb")).presence.availability).toBe("DoNotDisturb");
    await curl(lines[6]); // Bob hangs up
    expect((await until(bob, (u) => u.presence.availability === "Available")).presence.availability).toBe("Available");
  });
});
