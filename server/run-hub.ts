// runHub: the production hub process as one call — the rule registry watching the rules directory, the
// store (the embedded SQLite file, or the shared PostgreSQL database of several instances), the hub, the
// admin API/UI listening where the config says, and with several instances the coordination of who runs
// which tenant — and the matching close (HTTP first; then either hand every tenant to a live peer, or undo
// what the hub set on the PBX and in Teams; then the rule watcher). Used by `presence-hub start`,
// `presence-hub demo` and the end-to-end tests; the CLI only parses arguments.
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { HubError } from "../common/errors.js";
import { logger } from "../common/log.js";
import { packageVersion } from "../common/paths.js";
import type { RuleRegistry } from "../engine/rules/registry.js";
import type { buildApp } from "./app.js";
import { type AdminCredentials, resolveAdminCredentials } from "./auth/credentials.js";
import { credentialOf } from "./auth/sessions.js";
import { loadSecretKey } from "./store/crypto.js";
import type { HubConfig } from "./config.js";
import type { Cluster } from "./cluster/cluster.js";
import type { Hub, OpenHubOptions } from "./hub/types.js";
import type { HubStore } from "./store/types.js";

export interface RunningHub {
  config: HubConfig;
  hub: Hub;
  registry: RuleRegistry;
  app: Awaited<ReturnType<typeof buildApp>>;
  /** Base URL the server listens on, e.g. http://127.0.0.1:8080. */
  url: string;
  credentials: AdminCredentials;
  store: HubStore;
  /** With a shared store: this instance's part in the cluster. */
  cluster?: Cluster;
  close(): Promise<void>;
}

/** How peers reach this instance: the configured URL, else the listen address (a wildcard: the host name). */
function advertised(config: HubConfig, listening: string): string {
  if (config.advertiseUrl) return config.advertiseUrl;
  const u = new URL(listening);
  if (["0.0.0.0", "[::]", "::"].includes(config.host)) u.hostname = hostname();
  return u.origin;
}

/** Open the rules, the hub and the HTTP server for `config` (shared by `start`, `demo` and the tests). */
export async function runHub(config: HubConfig, extra: Partial<OpenHubOptions> = {}): Promise<RunningHub> {
  // Loaded here, not at the top: modules create their loggers when first imported, and that must happen
  // after the command configured the root logger (level from the config).
  const [{ RuleRegistry }, { openHub }, { buildApp }, { openStore }, { Cluster }, { eventNamer }] = await Promise.all([
    import("../engine/rules/registry.js"),
    import("./hub/hub.js"),
    import("./app.js"),
    import("./store/open.js"),
    import("./cluster/cluster.js"),
    import("./routes/events.js"),
  ]);
  if (config.databaseUrl && !config.secretKey) {
    // A key generated into each instance's data directory would differ from instance to instance.
    throw new HubError(
      "CONFIG_INVALID",
      "PRESENCE_HUB_SECRET_KEY is required with PRESENCE_HUB_DATABASE_URL: every instance must decrypt the same stored secrets",
    );
  }
  if (config.databaseUrl && !config.adminPassword && !config.adminPasswordHash) {
    throw new HubError(
      "CONFIG_INVALID",
      "PRESENCE_HUB_ADMIN_PASSWORD (or _HASH) is required with PRESENCE_HUB_DATABASE_URL: every instance must accept the same admin login",
    );
  }
  const instanceId = config.instanceId ?? `${hostname()}-${randomBytes(3).toString("hex")}`;
  const registry = new RuleRegistry({ log: logger("rules") });
  await registry.watch(config.rulesDir);
  let hub: Hub | undefined;
  let store: HubStore | undefined;
  try {
    store = await openStore({
      dataDir: config.dataDir,
      databaseUrl: config.databaseUrl,
      secretKey: config.secretKey,
      instanceId,
    });
    const shared = store.kind === "postgres" ? (store as import("./store/postgres.js").PgStore) : undefined;
    const opened = await openHub({
      dataDir: config.dataDir,
      registry,
      secretKey: config.secretKey,
      // No stored admin account may take the configured admin's name.
      adminUser: config.adminUser,
      logger: logger("hub"),
      // The configured public URL is the Teams webhook base unless the Microsoft 365 settings name one.
      publicBaseUrl: config.publicBaseUrlConfigured ? config.publicBaseUrl : undefined,
      ...extra,
    }, { store, runsEveryTenant: !shared });
    hub = opened;
    const named = eventNamer(opened);
    const cluster = shared
      ? new Cluster({
          store: shared,
          tenants: opened.tenantControl,
          instance: { id: instanceId, version: packageVersion() },
          leaseMs: config.leaseSeconds * 1000,
          log: logger("cluster"),
          name: (m) => (m.type === "event" ? { ...m, event: named(m.event) } : m),
          metrics: opened.metrics,
        })
      : undefined;
    const credentials = await resolveAdminCredentials(config);
    const app = await buildApp({
      hub: opened,
      registry,
      admin: {
        user: credentials.user,
        passwordHash: credentials.passwordHash,
        updatePasswordHash: credentials.updatePasswordHash,
        // A password from the configuration is hashed with a fresh salt on every start and instance: bind its
        // sessions to the password itself, keyed with the secret key, so they survive restarts and are valid
        // on every instance, and end when it changes.
        credential: credentialOf(
          config.adminPassword && !config.adminPasswordHash ? config.adminPassword : credentials.passwordHash,
          loadSecretKey(config.dataDir, config.secretKey),
        ),
      },
      apiToken: config.apiToken,
      publicBaseUrl: () => config.publicBaseUrl,
      metricsAuth: config.metricsAuth,
      cookieSecure: config.cookieSecure,
      sessionTtlMinutes: config.sessionTtlMinutes,
      trustProxy: config.trustProxy,
      logger: logger("http"),
      sessions: store,
      cluster: cluster?.http(),
    });
    const address = await app.listen({ host: config.host, port: config.port });
    await cluster?.start(advertised(config, address.replace("[::1]", "localhost")));
    const openedStore = store;
    const running: RunningHub = {
      config,
      hub: opened,
      registry,
      app,
      url: address.replace("[::1]", "localhost"),
      credentials,
      store: openedStore,
      cluster,
      async close() {
        await app.close();
        // With a live peer the tenants move there untouched; the last instance (or a stop configured to
        // undo) undoes what the hub set, as a single instance always does.
        const { undo } = cluster ? await cluster.stop({ undo: config.undoOnStop }) : { undo: true };
        await opened.close({ undo });
        await cluster?.release();
        await openedStore.close();
        await registry.close();
      },
    };
    // With --port 0 the real port is only known now; keep the public URL consistent for redirects.
    if (config.port === 0 && config.publicBaseUrl.endsWith(":0")) config.publicBaseUrl = running.url;
    return running;
  } catch (e) {
    await hub?.close().catch(() => {});
    await store?.close().catch(() => {});
    await registry.close();
    throw e;
  }
}
