// CLI command `start`: the production run. Configuration from PRESENCE_HUB_* variables and/or --config FILE
// (docs/operations.md), embedded SQLite in the data directory, rules hot-reloaded from the rules directory,
// one HTTP listener where the config says (server/run-hub.ts). SIGINT/SIGTERM close gracefully.
import { configureRootLogger, logger } from "../../../common/log.js";
import { parseCommandLine } from "../../../common/cli-args.js";
import { hashPassword } from "../../auth/password.js";
import { loadConfig } from "../../config.js";
import { runHub } from "../../run-hub.js";
import type { Command } from "../command.js";
import { closeOnSignals, loginBanner, reloadOnSighup } from "../running.js";

// Callers that start the hub the way this command does (the end-to-end tests) import runHub from here.
export { type RunningHub, runHub } from "../../run-hub.js";

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
  --undo-on-stop       PRESENCE_HUB_UNDO_ON_STOP several instances: undo on SIGTERM even with a live peer
                                                 (default: hand the tenants over untouched)
                       PRESENCE_HUB_DATABASE_URL postgres://… runs on PostgreSQL with other instances
                                                 (docs/operations.md, "Several instances")
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
        "undo-on-stop": { type: "boolean" },
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
        undoOnStop: values["undo-on-stop"] ? true : undefined,
      },
    });
    configureRootLogger({ level: config.logLevel });
    const running = await runHub(config);
    logger("cli").info({ url: running.url, dataDir: config.dataDir, rulesDir: config.rulesDir }, "presence hub started");
    process.stdout.write(`\nPresence Hub is running.\n${loginBanner(running)}\n\n`);
    reloadOnSighup(running.registry);
    closeOnSignals(() => running.close(), {
      stopping: running.cluster
        ? config.undoOnStop
          ? "undoing what the hub set, as configured"
          : "handing the tenants to a live instance, or undoing if this is the last one"
        : undefined,
    });
    return -1;
  },
};
