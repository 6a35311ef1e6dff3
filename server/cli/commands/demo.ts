// CLI command `demo`: Start the hub with PBX and Graph simulators and seeded users (try it first).
import type { Command } from "../command.js";

export const demoCommand: Command = {
  name: "demo",
  summary: "Start the hub with PBX and Graph simulators and seeded users (try it first)",
  async run(): Promise<number> {
    process.stderr.write("presence-hub demo: not implemented yet\n");
    return 2;
  },
};
