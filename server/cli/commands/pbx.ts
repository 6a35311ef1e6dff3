// CLI command `pbx`: innovaphone tools: pbx test --server H --port P ....
import type { Command } from "../command.js";

export const pbxCommand: Command = {
  name: "pbx",
  summary: "innovaphone tools: pbx test --server H --port P ...",
  async run(): Promise<number> {
    process.stderr.write("presence-hub pbx: not implemented yet\n");
    return 2;
  },
};
