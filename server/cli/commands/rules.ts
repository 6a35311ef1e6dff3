// CLI command `rules`: Check rule sets (rules check [dir]) or explain a decision (rules explain).
import type { Command } from "../command.js";

export const rulesCommand: Command = {
  name: "rules",
  summary: "Check rule sets (rules check [dir]) or explain a decision (rules explain)",
  async run(): Promise<number> {
    process.stderr.write("presence-hub rules: not implemented yet\n");
    return 2;
  },
};
