// End-to-end in a real browser against the real hub, the PBX simulator and the Graph simulator over
// loopback sockets: login → Microsoft 365 (Test, Save, service-account sign-in) → Add Pbx → Configure →
// Test red with a wrong password → fix → Test green → Save → Online → Info matrix → endpoints matched →
// a Teams call diverts a PBX call and the phone rings again after it → a PBX call makes Teams show
// Do Not Disturb ("by hub" on the Endpoints page) and clears after. Finally: no response, page or log line carried a stored secret.
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { configureRootLogger } from "../../common/log.js";
import { type BrowserSession, browserSkipReason, launchBrowser, SCREENSHOT_DIR } from "./browser.js";

// Browser flows drive real processes and chromium; on a loaded 2-core runner a step can take a while.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

// Capture every log line of this process before any hub module creates its logger (dynamic imports below).
const logLines: string[] = [];
configureRootLogger({ level: "debug" }, { write: (line: string) => void logLines.push(line) } as never);

const skip = browserSkipReason();
if (skip) console.warn(skip);

const ADMIN_PASSWORD = "e2e-admin-Passw0rd";
const WRONG_PBX_PASSWORD = "not-the-password";

type Start = typeof import("../../server/cli/commands/start.js");
type PbxSim = Awaited<ReturnType<typeof import("../../connectors/innovaphone/simulator/server.js")["startPbxSimulator"]>>;
type GraphSim = Awaited<ReturnType<typeof import("../../connectors/teams/simulator/server.js")["startGraphSimulator"]>>;

async function until<T>(what: string, fn: () => T | Promise<T>, ok: (v: T) => boolean, timeoutMs = 45_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < end) {
    last = await fn();
    if (ok(last)) return last;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}; last value: ${JSON.stringify(last)}`);
}

describe.skipIf(Boolean(skip))("full flow in a browser (hub + PBX simulator + Graph simulator)", () => {
  let dataDir: string;
  let running: Awaited<ReturnType<Start["runHub"]>>;
  let pbx: PbxSim;
  let graph: GraphSim;
  let session: BrowserSession;
  let page: Page;
  let teamsIds: Record<string, string>;
  const responses: string[] = [];
  const shot = (name: string) => page.screenshot({ path: join(SCREENSHOT_DIR, `e2e-${name}.png`), fullPage: true });

  beforeAll(async () => {
    const { startPbxSimulator } = await import("../../connectors/innovaphone/simulator/server.js");
    const { startGraphSimulator } = await import("../../connectors/teams/simulator/server.js");
    const { runHub } = await import("../../server/cli/commands/start.js");
    const { loadConfig } = await import("../../server/config.js");
    const seed = await import("../../server/demo/seed.js");
    pbx = await startPbxSimulator({ port: 0, apps: [{ ...seed.DEMO_APP }], users: seed.demoPbxUsers() });
    graph = await startGraphSimulator({ port: 0, http: true, users: seed.demoGraphUsers() });
    teamsIds = Object.fromEntries(graph.users().map((u) => [u.upn.split("@")[0].split(".")[0], u.id]));
    dataDir = mkdtempSync(join(tmpdir(), "ph-e2e-"));
    running = await runHub(
      loadConfig({ env: { PRESENCE_HUB_ADMIN_PASSWORD: ADMIN_PASSWORD }, overrides: { dataDir, host: "127.0.0.1", port: 0 } }),
    );
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    session = await launchBrowser();
    page = await session.context.newPage();
    page.on("response", async (r) => {
      try {
        responses.push(await r.text());
      } catch {
        // redirects and aborted streams have no body
      }
    });
  }, 60_000);

  afterAll(async () => {
    await session?.close();
    await running?.close();
    await pbx?.close();
    await graph?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it("logs in", async () => {
    await page.goto(`${running.url}/`);
    await page.fill("#login-user", "admin");
    await page.fill("#login-password", ADMIN_PASSWORD);
    await page.click("button[type=submit]");
    await page.waitForSelector("h1:text('PBX Connectors')");
  });

  it("connects Microsoft 365: Test, Save, service-account sign-in", async () => {
    await page.click("a[data-nav=microsoft365]");
    await page.waitForSelector("#m365-tenant");
    await page.fill("#m365-tenant", graph.tenantId);
    await page.fill("#m365-client-id", graph.clientId);
    await page.fill("#m365-client-secret", graph.clientSecret);
    await page.fill("#m365-authority", graph.url);
    await page.fill("#m365-graph", graph.url);
    await page.fill("#m365-webhook", running.url);
    await page.fill("#m365-poll", "5");
    await page.click("#m365-test");
    await page.waitForSelector("#m365-result [data-test-result=ok]", { timeout: 45_000 });
    await page.click("#m365-save");
    await page.waitForSelector(".toast.ok");
    await page.click("#m365-signin");
    await page.waitForSelector(".toast.ok:text('Signed in')", { timeout: 45_000 });
    await shot("m365");
  });

  it("adds a connector; Test fails with a wrong password, then passes; Save; Online; Info matrix", async () => {
    await page.click("a[data-nav=connectors]");
    await page.click("text=Add Pbx");
    await page.selectOption("#add-type", "innovaphone-dnd");
    await expect.poll(() => page.textContent("#add-type-desc")).toContain("PBX calls are diverted");
    await page.fill("#add-name", "Berlin PBX");
    await page.fill("#add-description", "innovaphone simulator");
    await shot("add-pbx");
    await page.click("dialog button[type=submit]");
    await page.waitForSelector("#cfg-server");
    await page.fill("#cfg-server", "127.0.0.1");
    await page.selectOption("#cfg-protocol", "ws");
    await page.fill("#cfg-port", String(pbx.port));
    await page.fill("#cfg-username", "presence-hub");
    await page.fill("#cfg-password", WRONG_PBX_PASSWORD);
    await page.fill("#cfg-default-destination", "299");
    await page.click("#cfg-test");
    await page.waitForSelector("#cfg-result [data-test-result=error]", { timeout: 45_000 });
    const red = (await page.textContent("#cfg-result")) ?? "";
    expect(red).toContain("Login failed: wrong app object name or password");
    await shot("configure-red");
    await page.fill("#cfg-password", "demo-app-password");
    await page.click("#cfg-test");
    await page.waitForSelector("#cfg-result [data-test-result=ok]", { timeout: 45_000 });
    await shot("configure-green");
    await page.click("#cfg-save");
    try {
      await page.waitForSelector("tr[data-name='Berlin PBX'] [data-state=online]", { timeout: 60_000 });
    } catch (e) {
      // Tell apart "the connector is not online" from "the page does not show it".
      const hubSide = running.hub.connectors.list().map((c) => ({ name: c.name, status: c.status }));
      const shown = await page.textContent("table[aria-label='PBX connectors']").catch(() => "?");
      throw new Error(`${(e as Error).message}\nhub: ${JSON.stringify(hubSide)}\npage: ${shown}`);
    }
    await shot("connectors");
    await page.click("tr[data-name='Berlin PBX'] >> text=Info");
    const frame = page.frameLocator("iframe.info");
    await expect.poll(() => frame.locator("body").textContent(), { timeout: 10_000 }).toContain("Teams → PBX");
    expect(await frame.locator("table").count()).toBeGreaterThan(0);
    await shot("info");
    await page.keyboard.press("Escape");
  });

  it("matches endpoints automatically by e-mail", async () => {
    const hub = running.hub;
    await until("4+ matched endpoints", () => hub.endpoints.list({ matched: true, limit: 1 }).total, (n) => n >= 5, 30_000);
    await page.click("a[data-nav=endpoints]");
    await page.waitForSelector("tr[data-email='alice@contoso.example']");
    const alice = (await page.textContent("tr[data-email='alice@contoso.example']")) ?? "";
    expect(alice).not.toContain("no Teams user");
    await shot("endpoints");
  });

  it("a Teams call diverts a PBX call to the user; after the call the phone rings again", async () => {
    graph.setClientPresence(teamsIds.alice, { availability: "Busy", activity: "InACall" });
    const diverted = await until("the PBX to divert calls to Alice", () => pbx.dial("alice", { ring: false }), (r) => r.result === "forwarded", 30_000);
    expect(diverted).toMatchObject({ result: "forwarded", destination: "199" });
    // The live Endpoints page shows it without a reload (SSE).
    await expect.poll(() => page.textContent("tr[data-email='alice@contoso.example']"), { timeout: 15_000 }).toContain("Busy");
    await shot("endpoints-teams-call");
    graph.setClientPresence(teamsIds.alice, { availability: "Available", activity: "Available" });
    await until("Alice's phone to ring again", () => pbx.dial("alice", { ring: false }), (r) => r.result === "rings", 30_000);
  });

  it("a user without CFB is diverted to the connector's default destination", async () => {
    graph.setClientPresence(teamsIds.carol, { availability: "Busy", activity: "InACall" });
    const r = await until("Carol diverted", () => pbx.dial("carol", { ring: false }), (x) => x.result === "forwarded", 30_000);
    expect(r).toMatchObject({ destination: "299" });
    graph.setClientPresence(teamsIds.carol, { availability: "Available", activity: "Available" });
    await until("Carol rings again", () => pbx.dial("carol", { ring: false }), (x) => x.result === "rings", 30_000);
  });

  it("a PBX call makes Teams show Do Not Disturb, and clears after", async () => {
    const call = pbx.startCall("bob", { direction: "in", peer: "0301234" });
    pbx.answerCall(call);
    await until("Bob DoNotDisturb in Teams", () => graph.presence(teamsIds.bob), (p) => p?.availability === "DoNotDisturb", 30_000);
    // The Endpoints page (live) says that the hub holds Do Not Disturb for Bob, not only his own status.
    const bob = "tr[data-email='bob@contoso.example'] .teams-cell";
    await expect.poll(() => page.textContent(bob), { timeout: 15_000 }).toContain("Do not disturb");
    expect(await page.textContent(bob)).toContain("by hub");
    await shot("endpoints-pbx-call");
    pbx.endCall(call);
    await until("Bob available in Teams", () => graph.presence(teamsIds.bob), (p) => p?.availability === "Available", 30_000);
  });

  it("shows the timeline of decisions with reasons", async () => {
    await page.click("tr[data-email='alice@contoso.example']");
    await page.waitForSelector("#ep-timeline li.decision", { timeout: 15_000 });
    expect(await page.textContent("#ep-timeline")).toMatch(/teams-call|InACall/);
    await shot("timeline");
    await page.click("a[data-nav=events]");
    await page.waitForSelector("table[aria-label=Events] tbody tr");
    await shot("events");
  });

  it("maps a PBX-only user to a Teams user by hand", async () => {
    await page.click("a[data-nav=endpoints]");
    await page.click("tr[data-email='frank@contoso.example']");
    await page.fill("#ep-map-search", "grace");
    await page.click(".map-results >> text=Map");
    await expect
      .poll(() => running.hub.endpoints.list({ search: "frank" }).items[0], { timeout: 10_000 })
      .toMatchObject({ match: "manual", teamsUserId: teamsIds.grace });
    await expect.poll(() => page.textContent("tr[data-email='frank@contoso.example']")).not.toContain("no Teams user");
    await shot("manual-mapping");
  });

  it("no API response, page or log line contains a stored password, client secret or refresh token", async () => {
    responses.push(await page.content());
    const everything = `${responses.join("\n")}\n${logLines.join("\n")}`;
    expect(logLines.length).toBeGreaterThan(10);
    for (const secret of ["demo-app-password", WRONG_PBX_PASSWORD, graph.clientSecret, ADMIN_PASSWORD]) {
      expect(everything.includes(secret), `found "${secret}"`).toBe(false);
    }
    const refreshTokens = await storedRefreshTokens(dataDir);
    expect(refreshTokens.length).toBeGreaterThan(0);
    for (const t of refreshTokens) expect(everything.includes(t)).toBe(false);
  });
});

/** The service-account refresh tokens the hub stored (decrypted through a second store connection). */
async function storedRefreshTokens(dataDir: string): Promise<string[]> {
  const { openSqliteStore } = await import("../../server/store/sqlite.js");
  const store = openSqliteStore({ dataDir });
  try {
    return store
      .listServiceAccounts("default")
      .map((a) => store.getSecret(`tenant/default/serviceAccount/${a.id}/refreshToken`))
      .filter((raw): raw is string => Boolean(raw))
      .map((raw) => (JSON.parse(raw) as { refreshToken: string }).refreshToken);
  } finally {
    store.close();
  }
}
