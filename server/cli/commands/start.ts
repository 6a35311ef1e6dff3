// CLI command `start`: the production run. Configuration from PRESENCE_HUB_* variables and/or --config FILE
// (docs/operations.md), embedded SQLite in the data directory, rules hot-reloaded from the rules directory,
// one HTTP listener where the config says. SIGINT/SIGTERM close gracefully: HTTP first, then hub.close()
// undoes what the hub set on the PBX and in Teams, then the rule watcher.
import { configureRootLogger, logger } from "../../../common/log.js";
import type { RuleRegistry } from "../../../engine/rules/registry.js";
import type { buildApp } from "../../app.js";
import { type AdminCredentials, CREDENTIALS_FILE, resolveAdminCredentials } from "../../auth/credentials.js";
import { hashPassword } from "../../auth/password.js";
import { type HubConfig, loadConfig } from "../../config.js";
import type { Hub, OpenHubOptions } from "../../hub/types.js";
import { parseCommandLine } from "../../../common/cli-args.js";
import type { Command } from "../command.js";

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
    import("../../../engine/rules/registry.js"),
    import("../../hub/hub.js"),
    import("../../app.js"),
  ]);
  const registry = new RuleRegistry({ log: logger("rules") });
  await registry.watch(config.rulesDir);
  let hub: Hub | undefined;
  try {
    const opened = await openHub({ dataDir: config.dataDir, registry, secretKey: config.secretKey, logger: logger("hub"), ...extra });
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

/** The login lines of the startup banner (the generated password is printed here exactly once). */
export function loginBanner(r: RunningHub): string {
  const c = r.credentials;
  const lines = [`  Open:     ${r.url}/`, `  User:     ${c.user}`];
  if (c.generatedPassword) {
    lines.push(
      `  Password: ${c.generatedPassword}`,
      `            (generated on first run and shown only now; its hash is in ${r.config.dataDir}/${CREDENTIALS_FILE};`,
      "             set PRESENCE_HUB_ADMIN_PASSWORD to choose your own)",
    );
  } else if (c.source === "data-dir") {
    lines.push(`  Password: the one shown on first run (hash in ${r.config.dataDir}/${CREDENTIALS_FILE})`);
  } else {
    lines.push("  Password: from PRESENCE_HUB_ADMIN_PASSWORD / PRESENCE_HUB_ADMIN_PASSWORD_HASH");
  }
  if (r.config.apiToken) lines.push("  API:      Authorization: Bearer $PRESENCE_HUB_API_TOKEN");
  return lines.join("\n");
}

/** SIGINT/SIGTERM → close once (bounded); a second signal exits at once. */
export function closeOnSignals(close: () => Promise<void>, timeoutMs = 15_000): void {
  let closing = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (closing) process.exit(1);
    closing = true;
    process.stderr.write(`\n${signal}: stopping (undoing what the hub set, at most ${timeoutMs / 1000} s)…\n`);
    const timer = setTimeout(() => {
      process.stderr.write("shutdown timed out\n");
      process.exit(1);
    }, timeoutMs);
    timer.unref();
    close().then(
      () => process.exit(0),
      (e) => {
        process.stderr.write(`shutdown failed: ${(e as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
}

const HELP = `Usage: presence-hub start [options]

Runs the hub: admin UI and API, Graph webhook, sync. Every option also has an environment variable
(see docs/operations.md); options win over variables, variables over the config file.

  --config FILE        JSON file with any of the settings below (camelCase keys)
  --data-dir DIR       PRESENCE_HUB_DATA_DIR     database, key file, admin hash (default ./data)
  --host HOST          PRESENCE_HUB_HOST         listen address (default 127.0.0.1)
  --port PORT          PRESENCE_HUB_PORT         listen port (default 8080)
  --rules-dir DIR      PRESENCE_HUB_RULES_DIR    rule sets (default: the package's rules/)
  --public-url URL     PRESENCE_HUB_PUBLIC_URL   external base URL (webhooks, sign-in redirect)
  --log-level LEVEL    PRESENCE_HUB_LOG_LEVEL    fatal|error|warn|info|debug|trace|silent
  --hash-password      read a password on stdin, print its PRESENCE_HUB_ADMIN_PASSWORD_HASH and exit
  -h, --help
`;

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8").replace(/\r?\n$/, "");
}

export const startCommand: Command = {
  name: "start",
  summary: "Run the hub (configuration from environment / file, embedded SQLite)",
  async run(args: string[]): Promise<number> {
    const cli = parseCommandLine(args, {
      usage: HELP,
      options: {
        config: { type: "string" },
        "data-dir": { type: "string" },
        host: { type: "string" },
        port: { type: "string" },
        "rules-dir": { type: "string" },
        "public-url": { type: "string" },
        "log-level": { type: "string" },
        "hash-password": { type: "boolean" },
      },
    });
    if (cli.exit !== undefined) return cli.exit;
    const { values } = cli;
    if (values["hash-password"]) {
      const pw = await readStdin();
      if (!pw) {
        process.stderr.write("no password on stdin\n");
        return 2;
      }
      process.stdout.write(`${await hashPassword(pw)}\n`);
      return 0;
    }
    const config = loadConfig({
      file: values.config,
      overrides: {
        dataDir: values["data-dir"],
        host: values.host,
        port: values.port,
        rulesDir: values["rules-dir"],
        publicBaseUrl: values["public-url"],
        logLevel: values["log-level"],
      },
    });
    configureRootLogger({ level: config.logLevel });
    const running = await runHub(config);
    logger("cli").info({ url: running.url, dataDir: config.dataDir, rulesDir: config.rulesDir }, "presence hub started");
    process.stdout.write(`\nPresence Hub is running.\n${loginBanner(running)}\n\n`);
    closeOnSignals(() => running.close());
    return -1;
  },
};
