// Headless Debian chromium through playwright-core for the browser tests. Skips (with a message) only when
// /usr/bin/chromium is missing outside CI; in CI a missing browser fails the run.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Browser, type BrowserContext, chromium } from "playwright-core";

export const CHROMIUM = process.env.PRESENCE_HUB_CHROMIUM ?? "/usr/bin/chromium";

/** Why browser tests cannot run here, or undefined when they can (or must: CI). */
export function browserSkipReason(): string | undefined {
  if (existsSync(CHROMIUM)) return undefined;
  if (process.env.CI) return undefined; // must run in CI: let the launch fail loudly
  return `browser tests skipped: ${CHROMIUM} not found (install Debian's chromium, or set CI to force)`;
}

export interface BrowserSession {
  browser: Browser;
  context: BrowserContext;
  close(): Promise<void>;
}

/** `locale` sets the browser's language (navigator.languages), e.g. "de-DE"; default en-US. */
export async function launchBrowser(opts: { locale?: string } = {}): Promise<BrowserSession> {
  const profile = mkdtempSync(join(tmpdir(), "ph-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    locale: opts.locale ?? "en-US",
    viewport: { width: 1360, height: 860 },
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  const browser = context.browser() as Browser;
  return {
    browser,
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Where screenshots go (inspected during development; CI keeps them as artifacts if it wants). */
export const SCREENSHOT_DIR = process.env.PRESENCE_HUB_SCREENSHOTS ?? join(tmpdir(), "presence-hub-screenshots");
