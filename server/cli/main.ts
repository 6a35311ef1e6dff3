// `presence-hub` command-line entry point: dispatches `<command> [subcommand] [options]` to the command
// modules registered below (explicit list, no directory scanning).
import { errorMessage, isHubError } from "../../common/errors.js";
import { packageVersion } from "../../common/paths.js";
import type { Command } from "./command.js";

interface CommandEntry {
  name: string;
  summary: string;
  /** Loaded on dispatch, so one command's dependencies never slow down or break another. */
  load: () => Promise<Command>;
}

export const commands: CommandEntry[] = [
  {
    name: "demo",
    summary: "Start the hub with PBX and Graph simulators and seeded users (try it first)",
    load: async () => (await import("./commands/demo.js")).demoCommand,
  },
  {
    name: "start",
    summary: "Run the hub (configuration from environment / file, embedded SQLite)",
    load: async () => (await import("./commands/start.js")).startCommand,
  },
  {
    name: "rules",
    summary: "Check rule sets (rules check [dir]) or explain a decision (rules explain …)",
    load: async () => (await import("./commands/rules.js")).rulesCommand,
  },
  {
    name: "pbx",
    summary: "innovaphone tools: pbx test --server H --port P --protocol ws|wss --username APP --password PW",
    load: async () => (await import("./commands/pbx.js")).pbxCommand,
  },
  {
    name: "teams",
    summary: "Microsoft 365 tools: teams test --tenant T --client-id C --client-secret S",
    load: async () => (await import("./commands/teams.js")).teamsCommand,
  },
  {
    name: "sim",
    summary: "Run a simulator on its own: sim pbx … | sim graph …",
    load: async () => (await import("./commands/sim.js")).simCommand,
  },
];

function usage(): string {
  const lines = ["Usage: presence-hub <command> [options]", "", "Commands:"];
  for (const c of commands) lines.push(`  ${c.name.padEnd(8)} ${c.summary}`);
  lines.push("", "Run `presence-hub <command> --help` for the options of a command,");
  lines.push("`presence-hub --version` for the version.");
  return lines.join("\n");
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === "--version" || name === "-v" || name === "version") {
    process.stdout.write(`presence-hub ${packageVersion()}\n`);
    return 0;
  }
  if (!name || name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(`${usage()}\n`);
    return name ? 0 : 2;
  }
  const entry = commands.find((c) => c.name === name);
  if (!entry) {
    process.stderr.write(`Unknown command "${name}".\n\n${usage()}\n`);
    return 2;
  }
  try {
    const command = await entry.load();
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
