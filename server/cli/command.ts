// The shape of a CLI command module. `run` returns the exit code, or -1 for a long-running command
// that keeps the process alive (servers, simulators).
export interface Command {
  name: string;
  summary: string;
  run(args: string[]): Promise<number>;
}
