// CLI command `sim`: runs one simulator on its own (`sim pbx …`, `sim graph …`), for demos and integrators.
import { runGraphSimulatorCli } from "../../../connectors/teams/simulator/cli.js";
import { runPbxSimulatorCli } from "../../../connectors/innovaphone/simulator/cli.js";
import type { Command } from "../command.js";

export const simCommand: Command = {
  name: "sim",
  summary: "Run a simulator on its own: sim pbx --port P --users FILE … | sim graph --port P --users FILE …",
  async run(args: string[]): Promise<number> {
    const [which, ...rest] = args;
    if (which === "pbx") return runPbxSimulatorCli(rest);
    if (which === "graph") return runGraphSimulatorCli(rest);
    process.stderr.write("Usage: presence-hub sim pbx|graph [options]  (add --help for the options)\n");
    return 2;
  },
};
