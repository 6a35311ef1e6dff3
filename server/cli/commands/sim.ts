// CLI command `sim`: runs one simulator on its own (`sim pbx …`, `sim graph …`), for demos and integrators.
import { runGraphSimulatorCli } from "../../../connectors/teams/simulator/cli.js";
import { runPbxSimulatorCli } from "../../../connectors/innovaphone/simulator/cli.js";
import type { Command } from "../command.js";

const USAGE = `Usage: presence-hub sim pbx|graph [options]

  sim pbx    the innovaphone PBX simulator (AppWebsocket; control API under /_sim/)
  sim graph  the Microsoft Graph simulator (tokens, presence, subscriptions; control API under /_emulator/)

Run \`presence-hub sim pbx --help\` or \`presence-hub sim graph --help\` for their options.
`;

export const simCommand: Command = {
  name: "sim",
  summary: "Run a simulator on its own: sim pbx --port P --users FILE … | sim graph --port P --users FILE …",
  async run(args: string[]): Promise<number> {
    const [which, ...rest] = args;
    if (which === "pbx") return runPbxSimulatorCli(rest);
    if (which === "graph") return runGraphSimulatorCli(rest);
    const help = which === undefined || which === "--help" || which === "-h";
    (help ? process.stdout : process.stderr).write(USAGE);
    return help ? 0 : 2;
  },
};
