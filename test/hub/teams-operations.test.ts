// Microsoft 365 operations at hub level (issue 12, item 13): the webhook URL follows the hub's configured
// public URL (PRESENCE_HUB_PUBLIC_URL) unless the Microsoft 365 settings name one — setting > public URL >
// none (polling), shown as effectiveWebhookBaseUrl — and the notification certificate is stored encrypted
// in the hub's store, so a restarted hub subscribes with the same certificate.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type PbxSimulator, startPbxSimulator } from "../../connectors/innovaphone/simulator/server.js";
import { type GraphSimulator, startGraphSimulator } from "../../connectors/teams/simulator/server.js";
import { loadConfig } from "../../server/config.js";
import { openHub } from "../../server/hub/hub.js";
import type { Hub, TeamsAdapterFactory, TeamsConnectorConfig } from "../../server/hub/types.js";
import { type RunningHub, runHub } from "../../server/run-hub.js";
import { freePort, until } from "../faults/harness.js";
import { FakeTeams } from "../sync/fakes.js";
import { shippedRules } from "../sync/harness.js";
import { graphSimSettings, pbxSimConfig } from "./sim-settings.js";

const PUBLIC = "https://hub.example.com/presence";
const API_TOKEN = "teams-operations-api-token-0123456789";

describe("webhook base URL precedence", () => {
  let dir: string;
  let hub: Hub | undefined;
  const created: TeamsConnectorConfig[] = [];
  const recording: TeamsAdapterFactory = {
    create: (config) => {
      created.push(config);
      return new FakeTeams();
    },
    test: async () => ({ ok: true, steps: [] }) as never,
  };
  const open = async (factory: TeamsAdapterFactory, publicBaseUrl?: string) => {
    hub = await openHub({ dataDir: dir, registry: await shippedRules(), teamsFactory: factory, publicBaseUrl });
    return hub;
  };
  const credentials = { tenantId: "tenant.example", clientId: "client", clientSecret: "secret" };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "hub-webhook-url-"));
  });
  afterEach(async () => {
    await hub?.close({ undo: false });
    hub = undefined;
    created.length = 0;
    rmSync(dir, { recursive: true, force: true });
  });

  it("no public URL and no setting: no webhook (polling)", async () => {
    const h = await open(recording);
    const v = await h.teams.save(credentials);
    expect(v).toMatchObject({ effectiveWebhookBaseUrl: null, webhookBaseUrlSource: "none" });
    expect(created.at(-1)?.webhookBaseUrl).toBeUndefined();
  });

  it("the configured public URL is used when the settings name none; the setting wins; clearing it falls back", async () => {
    const h = await open(recording, PUBLIC);
    let v = await h.teams.save(credentials);
    expect(v).toMatchObject({ effectiveWebhookBaseUrl: PUBLIC, webhookBaseUrlSource: "publicUrl" });
    expect(v.webhookBaseUrl).toBeUndefined();
    expect(created.at(-1)?.webhookBaseUrl).toBe(PUBLIC);

    v = await h.teams.save({ webhookBaseUrl: "https://graph-ingress.example.com" });
    expect(v).toMatchObject({
      webhookBaseUrl: "https://graph-ingress.example.com",
      effectiveWebhookBaseUrl: "https://graph-ingress.example.com",
      webhookBaseUrlSource: "settings",
    });
    expect(created.at(-1)?.webhookBaseUrl).toBe("https://graph-ingress.example.com");

    v = await h.teams.save({ webhookBaseUrl: "" });
    expect(v).toMatchObject({ effectiveWebhookBaseUrl: PUBLIC, webhookBaseUrlSource: "publicUrl" });
    expect(created.at(-1)?.webhookBaseUrl).toBe(PUBLIC);
  });

  it("only a configured PRESENCE_HUB_PUBLIC_URL counts, not the http://host:port default", () => {
    const base = { overrides: { dataDir: dir } };
    expect(loadConfig({ ...base, env: {} }).publicBaseUrlConfigured).toBe(false);
    expect(loadConfig({ ...base, env: { PRESENCE_HUB_PUBLIC_URL: PUBLIC } })).toMatchObject({
      publicBaseUrl: PUBLIC,
      publicBaseUrlConfigured: true,
    });
    expect(
      loadConfig({ ...base, env: {}, overrides: { dataDir: dir, publicBaseUrl: PUBLIC } }).publicBaseUrlConfigured,
    ).toBe(true);
  });
});

describe("the running hub: webhook from PRESENCE_HUB_PUBLIC_URL, certificate kept across a restart", () => {
  let graph: GraphSimulator;
  let pbx: PbxSimulator;
  const app = { name: "presence-hub", password: "teams-ops-app-pw" };
  let dataDir: string;
  let port: number;
  let running: RunningHub | undefined;

  const start = async () => {
    running = await runHub(
      loadConfig({
        env: {
          PRESENCE_HUB_ADMIN_PASSWORD: "teams-operations-Passw0rd",
          PRESENCE_HUB_API_TOKEN: API_TOKEN,
          PRESENCE_HUB_PUBLIC_URL: `http://127.0.0.1:${port}`,
        },
        overrides: { dataDir, host: "127.0.0.1", port },
      }),
    );
    return running;
  };
  const subscribed = () => until("a subscription", () => graph.subscriptions()[0], 15_000);

  beforeAll(async () => {
    graph = await startGraphSimulator({
      host: "127.0.0.1",
      port: 0,
      http: true,
      users: [{ upn: "alice@contoso.example", displayName: "Alice", mail: "alice@contoso.example" }],
    });
    // Alice on the PBX too: only users of matched endpoints are watched (and subscribed to).
    const alice = { guid: "a".repeat(32), h323: "alice", cn: "Alice", e164: "101", emails: ["alice@contoso.example"], cfpr: true, cds: [] };
    pbx = await startPbxSimulator({ host: "127.0.0.1", port: 0, apps: [app], users: [alice] });
    dataDir = mkdtempSync(join(tmpdir(), "hub-teams-ops-"));
    port = await freePort();
  });
  afterAll(async () => {
    await running?.close();
    await graph.close();
    await pbx.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("subscribes at the public URL without a webhook setting, and with the same certificate after a restart", async () => {
    const r = await start();
    await r.hub.teams.save(graphSimSettings(graph));
    const view = await (
      await fetch(`${r.url}/api/teams`, { headers: { authorization: `Bearer ${API_TOKEN}` } })
    ).json();
    expect(view).toMatchObject({ effectiveWebhookBaseUrl: `http://127.0.0.1:${port}`, webhookBaseUrlSource: "publicUrl" });
    expect(view.webhookBaseUrl).toBeUndefined();

    // A service account signs in through the real redirect; the subscription goes to the public URL.
    const begin = await r.hub.teams.beginServiceAccountSignIn!({ redirectUri: `${r.url}/api/teams/service-accounts/callback` });
    const back = (await fetch(begin.url, { redirect: "manual" })).headers.get("location")!;
    expect((await fetch(back, { redirect: "manual" })).headers.get("location")).toContain("signin=ok");
    await r.hub.connectors.create({ type: "innovaphone-dnd", name: "PBX", config: pbxSimConfig(pbx, app) });
    await until("Alice matched", () => r.hub.endpoints.list({ matched: true }).total === 1, 15_000);
    const first = await subscribed();
    expect(first.notificationUrl).toBe(`http://127.0.0.1:${port}/graph/notify`);
    const certificateId = String(first.encryptionCertificateId);
    expect(certificateId).toMatch(/^hub-/);

    // The certificate and its key are in the store, encrypted: no PEM in any database file.
    for (const f of readdirSync(dataDir)) {
      if (f.startsWith("hub.db")) expect(readFileSync(join(dataDir, f)).includes("PRIVATE KEY")).toBe(false);
    }

    await r.close();
    running = undefined;
    await until("the subscription deleted", () => graph.subscriptions().length === 0, 5000);
    await start();
    const second = await subscribed();
    expect(second.id).not.toBe(first.id);
    expect(second.encryptionCertificateId).toBe(certificateId);
  });
});
