// CLI command `demo`: the first thing to run after `npm ci`. Starts the PBX and Graph simulators with seeded
// users and the hub already configured (connector online, Microsoft 365 connected, endpoints matched), then
// prints the URL, the login and what to try. Ctrl+C stops everything and removes the temporary data.
// `--tenants 2` runs a second customer side by side (tenant "Fabrikam", its own simulators).
import { configureRootLogger } from "../../../common/log.js";
import { parseCommandLine } from "../../../common/cli-args.js";
import type { Command } from "../command.js";
import { closeOnSignals, reloadOnSighup } from "../running.js";

const HELP = `Usage: presence-hub demo [options]

Runs the hub with an innovaphone PBX simulator and a Microsoft Graph simulator on this machine.

  --port PORT        hub port (default 8080, or any free port when 8080 is taken)
  --data-dir DIR     keep the hub's data here (default: a temporary directory, deleted on exit)
  --users N          add N generated users on both sides (default 0)
  --tenants N        customers: 1 (default) or 2 — a second tenant, Fabrikam, with its own PBX and
                     Graph simulators, Microsoft 365 settings, connector and people of the same names
  --log-level LEVEL  hub log level on stderr (default warn)
  -h, --help
`;

export const demoCommand: Command = {
  name: "demo",
  summary: "Start the hub with PBX and Graph simulators and seeded users (try it first)",
  async run(args: string[]): Promise<number> {
    const cli = parseCommandLine(args, {
      usage: HELP,
      options: {
        port: { type: "string" },
        "data-dir": { type: "string" },
        users: { type: "string" },
        tenants: { type: "string" },
        "log-level": { type: "string" },
      },
    });
    if (cli.exit !== undefined) return cli.exit;
    const { values } = cli;
    const tenants = values.tenants === undefined ? 1 : Number(values.tenants);
    if (tenants !== 1 && tenants !== 2) {
      process.stderr.write(`--tenants must be 1 or 2\n\n${HELP}`);
      return 2;
    }
    // Logs go to stderr so the banner on stdout stays readable.
    configureRootLogger(
      { level: values["log-level"] ?? process.env.PRESENCE_HUB_LOG_LEVEL ?? "warn" },
      { write: (line: string) => process.stderr.write(line) } as never,
    );
    process.stdout.write("Starting the PBX simulator, the Graph simulator and the hub…\n");
    // Imported after the logger is configured (modules bind their loggers on first import).
    const { demoBanner, runDemo } = await import("../../demo/run.js");
    const demo = await runDemo({
      port: values.port === undefined ? undefined : Number(values.port),
      dataDir: values["data-dir"],
      extraUsers: values.users === undefined ? 0 : Number(values.users),
      tenants,
    });
    process.stdout.write(demoBanner(demo));
    reloadOnSighup(demo.hub.registry);
    closeOnSignals(() => demo.close(), { done: "Presence Hub demo stopped." });
    return -1;
  },
};
