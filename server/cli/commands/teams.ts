// CLI command `teams`: Microsoft 365 tools: teams test --tenant T --client-id C ....
import type { Command } from "../command.js";

export const teamsCommand: Command = {
  name: "teams",
  summary: "Microsoft 365 tools: teams test --tenant T --client-id C ...",
  async run(): Promise<number> {
    process.stderr.write("presence-hub teams: not implemented yet\n");
    return 2;
  },
};
