// CLI command `sim`: Run a simulator on its own: sim pbx ... | sim graph ....
import type { Command } from "../command.js";

export const simCommand: Command = {
  name: "sim",
  summary: "Run a simulator on its own: sim pbx ... | sim graph ...",
  async run(): Promise<number> {
    process.stderr.write("presence-hub sim: not implemented yet\n");
    return 2;
  },
};
