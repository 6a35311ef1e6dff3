// CLI command `start`: Run the hub (configuration from environment / file, embedded SQLite).
import type { Command } from "../command.js";

export const startCommand: Command = {
  name: "start",
  summary: "Run the hub (configuration from environment / file, embedded SQLite)",
  async run(): Promise<number> {
    process.stderr.write("presence-hub start: not implemented yet\n");
    return 2;
  },
};
