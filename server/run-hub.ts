// runHub: the production hub process as one call — the rule registry watching the rules directory, the hub
// on its data directory, the admin API/UI listening where the config says — and the matching close (HTTP
// first, then hub.close() undoes what the hub set on the PBX and in Teams, then the rule watcher). Used by
// `presence-hub start`, `presence-hub demo` and the end-to-end tests; the CLI only parses arguments.
import { logger } from "../common/log.js";
import type { RuleRegistry } from "../engine/rules/registry.js";
import type { buildApp } from "./app.js";
import { type AdminCredentials, resolveAdminCredentials } from "./auth/credentials.js";
import type { HubConfig } from "./config.js";
import type { Hub, OpenHubOptions } from "./hub/types.js";

export interface RunningHub {
  config: HubConfig;
  hub: Hub;
  registry: RuleRegistry;
  app: Awaited<ReturnType<typeof buildApp>>;
  /** Base URL the server listens on, e.g. http://127.0.0.1:8080. */
  url: string;
  credentials: AdminCredentials;
  close(): Promise<void>;
}

/** Open the rules, the hub and the HTTP server for `config` (shared by `start`, `demo` and the tests). */
export async function runHub(config: HubConfig, extra: Partial<OpenHubOptions> = {}): Promise<RunningHub> {
  // Loaded here, not at the top: modules create their loggers when first imported, and that must happen
  // after the command configured the root logger (level from the config).
  const [{ RuleRegistry }, { openHub }, { buildApp }] = await Promise.all([
    import("../engine/rules/registry.js"),
    import("./hub/hub.js"),
    import("./app.js"),
  ]);
  const registry = new RuleRegistry({ log: logger("rules") });
  await registry.watch(config.rulesDir);
  let hub: Hub | undefined;
  try {
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
    });
    hub = opened;
    const credentials = await resolveAdminCredentials(config);
    const app = await buildApp({
      hub: opened,
      registry,
      admin: {
        user: credentials.user,
        passwordHash: credentials.passwordHash,
        updatePasswordHash: credentials.updatePasswordHash,
      },
      apiToken: config.apiToken,
      publicBaseUrl: () => config.publicBaseUrl,
      metricsAuth: config.metricsAuth,
      cookieSecure: config.cookieSecure,
      sessionTtlMinutes: config.sessionTtlMinutes,
      trustProxy: config.trustProxy,
      logger: logger("http"),
    });
    const address = await app.listen({ host: config.host, port: config.port });
    const running: RunningHub = {
      config,
      hub: opened,
      registry,
      app,
      url: address.replace("[::1]", "localhost"),
      credentials,
      async close() {
        await app.close();
        await opened.close();
        await registry.close();
      },
    };
    // With --port 0 the real port is only known now; keep the public URL consistent for redirects.
    if (config.port === 0 && config.publicBaseUrl.endsWith(":0")) config.publicBaseUrl = running.url;
    return running;
  } catch (e) {
    await hub?.close().catch(() => {});
    await registry.close();
    throw e;
  }
}
