// `presence-hub` command-line entry point: dispatches `<command> [subcommand] [options]` to the command
// modules registered below (explicit list, no directory scanning).
import { errorMessage, isHubError } from "../../engine/errors.js";
import type { Command } from "./command.js";
import { demoCommand } from "./commands/demo.js";
import { pbxCommand } from "./commands/pbx.js";
import { rulesCommand } from "./commands/rules.js";
import { simCommand } from "./commands/sim.js";
import { startCommand } from "./commands/start.js";
import { teamsCommand } from "./commands/teams.js";

export const commands: Command[] = [demoCommand, startCommand, rulesCommand, pbxCommand, teamsCommand, simCommand];

function usage(): string {
  const lines = ["Usage: presence-hub <command> [options]", "", "Commands:"];
  for (const c of commands) lines.push(`  ${c.name.padEnd(8)} ${c.summary}`);
  lines.push("", "Run `presence-hub <command> --help` for the options of a command.");
  return lines.join("\n");
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(`${usage()}\n`);
    return name ? 0 : 2;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    process.stderr.write(`Unknown command "${name}".\n\n${usage()}\n`);
    return 2;
  }
  try {
    return await command.run(rest);
  } catch (e) {
    process.stderr.write(`${isHubError(e) ? `${e.code}: ` : ""}${errorMessage(e)}\n`);
    return 1;
  }
}

const invokedDirectly = process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, "/"));
if (invokedDirectly) {
  main(process.argv.slice(2)).then((code) => {
    // Long-running commands (start, demo, sim) return -1 and keep the process alive.
    if (code >= 0) process.exitCode = code;
  });
}
