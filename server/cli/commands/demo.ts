// CLI command `demo`: the first thing to run after `npm ci`. Starts the PBX and Graph simulators with seeded
// users and the hub already configured (connector online, Microsoft 365 connected, endpoints matched), then
// prints the URL, the login and what to try. Ctrl+C stops everything and removes the temporary data.
import { configureRootLogger } from "../../../common/log.js";
import { parseCommandLine } from "../../../common/cli-args.js";
import type { Command } from "../command.js";
import { closeOnSignals, reloadOnSighup } from "../running.js";

const HELP = `Usage: presence-hub demo [options]

Runs the hub with an innovaphone PBX simulator and a Microsoft Graph simulator on this machine.

  --port PORT        hub port (default 8080, or any free port when 8080 is taken)
  --data-dir DIR     keep the hub's data here (default: a temporary directory, deleted on exit)
  --users N          add N generated users on both sides (default 0)
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
        "log-level": { type: "string" },
      },
    });
    if (cli.exit !== undefined) return cli.exit;
    const { values } = cli;
    // Logs go to stderr so the banner on stdout stays readable.
    configureRootLogger(
      { level: values["log-level"] ?? process.env.PRESENCE_HUB_LOG_LEVEL ?? "warn" },
      { write: (line: string) => process.stderr.write(line) } as never,
    );
    process.stdout.write("Starting the PBX simulator, the Graph simulator and the hub…\n");
    // Imported after the logger is configured (modules bind their loggers on first import).
    const { demoInstructions, runDemo } = await import("../../demo/run.js");
    const demo = await runDemo({
      port: values.port === undefined ? undefined : Number(values.port),
      dataDir: values["data-dir"],
      extraUsers: values.users === undefined ? 0 : Number(values.users),
    });
    const matched = demo.hub.hub.endpoints.list({ matched: true, limit: 1 }).total;
    process.stdout.write(
      [
        "",
        "Presence Hub demo is running.",
        `  Open:     ${demo.hub.url}/`,
        `  User:     ${demo.hub.credentials.user}`,
        `  Password: ${demo.adminPassword}`,
        "",
        `  PBX simulator:   ${demo.pbx.url}  (control API ${demo.pbx.httpUrl}/_sim/…)`,
        `  Graph simulator: ${demo.graph.url}  (control API ${demo.graph.url}/_emulator/…)`,
        `  Connector "${demo.connector.name}": ${demo.connector.status.state}; ${matched} users matched; ` +
          (demo.serviceAccount ? "presence subscriptions via the service account." : "Teams presence polled."),
        "",
        demoInstructions(demo),
        "",
        "Press Ctrl+C to stop (the hub clears what it set, then the simulators stop).",
        "",
      ].join("\n"),
    );
    reloadOnSighup(demo.hub.registry);
    closeOnSignals(() => demo.close(), { done: "Presence Hub demo stopped." });
    return -1;
  },
};
